"""The Evaluate tab, alone in a small host app: the table, the curves, the sweeps and their keys."""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from textual.widgets import Static

from bigram_tui.tui.app.evaluate_pane import EvaluatePane
from bigram_tui.tui.app.evaluate_view import duration
from bigram_tui.tui.app.messages import SmoothingChosen
from bigram_tui.tui.app.sweep_plot import SweepPlot, decade_ticks
from bigram_tui.tui.app.sweep_worker import CoalescedProgress

from .helpers import SinglePaneApp


@pytest.fixture(scope="module")
def session(names_path):
    from bigram_tui.core.session import Session

    return Session.load(names_path, seed=2147483647)


class EvaluateHost(SinglePaneApp):
    """The pane alone; it records what the pane asks the app to route to the other panes."""

    def __init__(self, session, order: int = 2, k: float = 0.0) -> None:
        pane = EvaluatePane(id="evaluate")
        pane.order, pane.k = order, k
        super().__init__(pane, session)
        self.chosen: list[SmoothingChosen] = []

    def on_smoothing_chosen(self, message: SmoothingChosen) -> None:
        self.chosen.append(message)


def drive(session, scenario, size=(120, 40), order=2, k=0.0):
    async def main():
        app = EvaluateHost(session, order, k)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, app.pane)

    asyncio.run(main())


async def wait_until(pilot, condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def text_of(pane: EvaluatePane, selector: str) -> str:
    return str(pane.query_one(selector, Static).render())


def table_line(pane: EvaluatePane, name: str) -> str:
    return next(line for line in text_of(pane, "#eval-table").splitlines() if name in line)


async def settled(pilot, pane):
    """The table at the pane's k and the k sweep at its order are on screen."""
    await wait_until(pilot, lambda: pane.rows is not None and pane.k_sweep is not None)
    await pilot.pause()


def test_the_table_shows_the_reference_numbers(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        bigram = table_line(pane, "bigram").split()
        assert bigram[:3] == ["▸", "2", "bigram"]  # the current order is marked
        assert [bigram[3], bigram[5], bigram[7]] == ["2.4548", "2.4533", "2.4584"]
        assert bigram[4] == f"{math.exp(pane.rows[1].train.mean_nll):.2f}"
        pane.k, pane.order = 0.1, 3
        await settled(pilot, pane)
        trigram = table_line(pane, "trigram").split()
        assert trigram[0] == "▸" and not table_line(pane, "bigram").startswith("▸")
        assert [trigram[3], trigram[5], trigram[7]] == ["2.1874", "2.2225", "2.2240"]
        four = table_line(pane, "4-gram").split()
        assert [four[4], four[6]] == ["2.1018", "2.1044"]
        assert "k = 0.1" in text_of(pane, "#eval-heading")
        assert not pane.query_one("#eval-why").display  # nothing is inf at k > 0

    drive(session, scenario, k=1.0)


def test_the_trigram_at_k_zero_is_inf_on_dev_with_its_reason(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        trigram = table_line(pane, "trigram").split()
        assert trigram[5:7] == ["inf", "inf"]  # dev NLL and perplexity
        why = text_of(pane, "#eval-why")
        assert (
            "dev inf: 137 dev examples (133 distinct n-grams) never seen in train, "
            "5 of them in a context never seen"
        ) in why
        assert "press + for k > 0" in why
        await pilot.press("plus", "plus")  # 0 → 0.01 → 0.1
        await settled(pilot, pane)
        assert pane.k == 0.1
        assert table_line(pane, "trigram").split()[5] == "2.2225"
        await pilot.press("minus")
        assert pane.k == 0.01

    drive(session, scenario, order=3, k=0.0)


def test_the_k_curve_marks_the_best_k_and_notes_k_zero(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        sweep = pane.k_sweep
        curve = pane.query_one("#eval-k-plot", SweepPlot).curve
        assert curve is not None
        assert curve.best == (sweep.best_k, min(sweep.dev_nll))
        assert 0 not in curve.xs and len(curve.xs) == len(sweep.ks) - 1  # log axis: no k=0
        assert "k=0: inf" in curve.title and "trigram" in curve.title
        assert f"best k {sweep.best_k:.3g}" in text_of(pane, "#eval-summary")

    drive(session, scenario, order=3)


def test_the_lambda_sweep_draws_its_curve_and_the_matching_k(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        await pilot.press("l")
        await wait_until(pilot, lambda: pane.lambda_sweep is not None)
        await pilot.pause()
        sweep = pane.lambda_sweep
        assert not pane.sweeping
        curve = pane.query_one("#eval-lambda-plot", SweepPlot).curve
        assert curve is not None and curve.best == (sweep.best_lambda, min(sweep.dev_nll))
        summary = text_of(pane, "#eval-summary")
        assert f"k {sweep.nearest_k:.3g} scores as this λ" in summary
        assert "20 nets trained" in text_of(pane, "#eval-status")

    drive(session, scenario)


def test_cancel_stops_a_sweep(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        await pilot.press("l")  # at order 6, 20 nets take seconds: time to answer keys
        await wait_until(pilot, lambda: "λ sweep at order 6" in text_of(pane, "#eval-status"))
        assert pane.check_action("sweep_lambda", ()) is None  # shown, but not while running
        # A key during the sweep is answered: the UI thread is free.
        await pilot.press("plus")
        assert pane.sweeping and "k = 0.5" in text_of(pane, "#eval-heading")
        await pilot.press("c")
        assert not pane.sweeping
        assert "cancelled" in text_of(pane, "#eval-status")
        # The worker itself stops at its next iteration.
        await wait_until(pilot, lambda: not any(w.group == "evaluate" for w in pane.workers))
        assert pane.lambda_sweep is None
        assert pane.check_action("cancel_sweep", ()) is False  # escape goes back to the app
        await pilot.press("l", "escape")
        assert not pane.sweeping

    drive(session, scenario, order=6, k=0.1)


def test_changing_the_order_cancels_the_sweep_and_follows(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        await pilot.press("l")
        pane.order = 3
        await pilot.pause()
        assert not pane.sweeping
        assert "λ sweep at order 5 cancelled" in text_of(pane, "#eval-status")
        await settled(pilot, pane)
        assert "order 3" in text_of(pane, "#eval-summary")

    drive(session, scenario, order=5, k=0.1)


def test_the_apply_key_posts_the_best_k(session):
    async def scenario(pilot, pane):
        await settled(pilot, pane)
        best = pane.k_sweep.best_k
        await pilot.press("a")
        await pilot.pause()
        app = pane.app
        assert [(m.k, m.order) for m in app.chosen] == [(best, 3)]
        assert pane.k == best
        await settled(pilot, pane)
        assert f"k = {best:g}" in text_of(pane, "#eval-heading")

    drive(session, scenario, order=3)


def test_keys_wait_for_the_session():
    pane = EvaluatePane()
    assert pane.check_action("sweep_lambda", ()) is None
    assert pane.check_action("apply_best_k", ()) is None
    assert pane.check_action("cancel_sweep", ()) is False


def test_unreadable_data_is_one_line_not_a_crash(tmp_path):
    from bigram_tui.core.session import Session

    path = tmp_path / "gone.txt"
    path.write_text("emma\nolivia\nava\n", encoding="utf-8")
    missing = Session.load(path)
    path.unlink()  # gone after the app loaded it: the split is read when Evaluate asks

    async def scenario(pilot, pane):
        await wait_until(pilot, lambda: "gone.txt" in text_of(pane, "#eval-status"))
        assert "\n" not in text_of(pane, "#eval-status")

    drive(missing, scenario)


def test_progress_is_coalesced_but_keeps_the_last():
    seen = []
    progress = CoalescedProgress(lambda done, total: seen.append(done), interval=60.0)
    for done in range(1, 21):
        progress(done, 20)
    assert seen == [1, 20]


def test_durations_read_as_minutes_and_seconds():
    assert [duration(s) for s in (0.4, 59.4, 60, 200.2)] == [
        "0 s",
        "59 s",
        "1 min 0 s",
        "3 min 20 s",
    ]


def test_decade_ticks_thin_out_when_narrow():
    ticks, labels = decade_ticks(1e-4, 100.0, 120)
    assert labels == ["1e-4", "1e-3", "0.01", "0.1", "1", "10", "100"]
    assert ticks == [-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    narrow, _ = decade_ticks(1e-4, 100.0, 30)
    assert len(narrow) < len(ticks) and narrow[0] == -4.0


async def _ready_without_toasts(pilot) -> None:
    pane = pilot.app.pane
    await settled(pilot, pane)
    await pilot.press("l")
    await wait_until(pilot, lambda: pane.lambda_sweep is not None)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_evaluate_snapshot(snap_compare, session, size):
    assert snap_compare(
        EvaluateHost(session, order=2, k=0.0),
        terminal_size=size,
        run_before=_ready_without_toasts,
    )


def test_the_inf_note_and_the_matching_k_read_as_sentences():
    """Issue 18.8: no fragment ("orders 3, 4, 5 too."), and no "λ ≈ k" that reads as λ = k."""
    from bigram_tui.tui.app.evaluate_view import summary_lines

    class Sweep:
        best_lambda, best_dev_nll, test_nll, nearest_k = 0.01, 2.4, 2.41, 0.31

    lines = summary_lines(2, None, Sweep(), "")
    assert lines[-1] == "k 0.31 scores as this λ" and all("≈" not in line for line in lines)
