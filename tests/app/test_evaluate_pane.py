"""The Evaluate tab, alone in a small host app: the table, the curves, the sweeps and their keys."""

from __future__ import annotations

import asyncio
import math
import re
import time

import pytest
from textual.widgets import Static

from bigram_tui.tui.app import evaluate_pane
from bigram_tui.tui.app.evaluate_pane import EvaluatePane
from bigram_tui.tui.app.evaluate_view import duration
from bigram_tui.tui.app.messages import SmoothingChosen
from bigram_tui.tui.app.sweep_plot import SweepPlot, decade_ticks

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
    await wait_until(pilot, lambda: pane.winner is not None)  # every order's own k is in
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


def test_g_shows_each_orders_own_best_k_and_the_winner(session):
    """Issue 18.16: at one k the 5-gram looks worse than the 4-gram with nothing saying why;
    each order at its own best k, with its dev and test NLL, and the winner marked."""

    async def scenario(pilot, pane):
        await settled(pilot, pane)
        await wait_until(pilot, lambda: pane.winner is not None and pane.grid is not None)
        await pilot.pause()
        assert pane.winner == 4
        assert "4-gram wins on dev (g)" in text_of(pane, "#eval-summary")
        assert not pane.query_one("#eval-grid").display
        await pilot.press("g")
        four = table_line(pane, "4-gram").split()
        assert four[2:] == ["0.1", "2.1018", "2.1044", "◆", "wins", "on", "dev"]
        five = table_line(pane, "5-gram").split()
        assert five[2:5] == [f"{pane._k_sweeps[5].best_k:.3g}", "2.1499", "2.1470"]
        assert "◆" not in table_line(pane, "5-gram")
        assert "each order's own k (g)" in text_of(pane, "#eval-heading")
        await pilot.press("g")
        assert "train" in text_of(pane, "#eval-table")  # the table at k is back

    drive(session, scenario, k=0.1)


def test_g_shows_ngs_grid_with_the_best_cell_and_its_test_nll(session):
    """Issue 19.3: NG's grid of orders 3, 4, 5 × k 0.03, 0.1, 0.3, 1 (train and dev NLL),
    the best cell on dev marked and its test NLL, computed by session.grid in a worker."""

    async def scenario(pilot, pane):
        await pilot.press("g")
        await wait_until(pilot, lambda: pane.grid is not None)
        await pilot.pause()
        grid = pane.grid
        assert (grid.best.order, grid.best.value) == (4, 0.1)
        lines = text_of(pane, "#eval-grid").splitlines()
        assert lines[0].split() == ["NG", "grid", "k", "0.03", "k", "0.1", "k", "0.3", "k", "1"]
        assert [line.split()[0] for line in lines[1:4]] == ["trigram", "4-gram", "5-gram"]
        assert len(lines[2].split()) == 9 and "◆1.9187 2.1018" in lines[2]
        assert lines[4] == f"◆ best on dev: 4-gram, k 0.1 · test {grid.test_nll:.4f} · " + (
            "each cell: train, dev"
        )
        assert grid.test_nll == pytest.approx(2.1044, abs=5e-5)  # the table's 4-gram at k 0.1

    drive(session, scenario, size=(80, 24))


def test_the_lambda_sweep_counts_its_nets_and_draws_each_as_it_ends(session, monkeypatch):
    """Issue 18.17: `n/20` from the start, the time left once a net is done, and the curve
    growing a point per net (nets at least PARTIAL_REDRAW apart: here every net)."""
    monkeypatch.setattr(evaluate_pane, "PARTIAL_REDRAW", 0.0)

    async def scenario(pilot, pane):
        await settled(pilot, pane)
        plot = pane.query_one("#eval-lambda-plot", SweepPlot)
        status = pane.query_one("#eval-status", Static)
        shown: list[tuple[object, str]] = []
        statuses: list[str] = []
        show, update = plot.show, status.update
        plot.show = lambda curve, title="": (shown.append((curve, title)), show(curve, title))[1]
        status.update = lambda text="": (statuses.append(str(text)), update(text))[1]
        await pilot.press("l")
        await wait_until(pilot, lambda: pane.lambda_sweep is not None, timeout=60)
        lengths = sorted({len(curve.xs) for curve, _ in shown if curve is not None})
        assert lengths == list(range(1, 21))  # every point drawn as its net ended
        partial = next(curve for curve, _ in shown if curve is not None and len(curve.xs) == 3)
        assert partial.title.endswith("3/20 nets") and partial.x_span == (1e-4, 10.0)
        assert any(title.endswith("0/20 nets…") for curve, title in shown if curve is None)
        assert any("0/20 nets trained" in text for text in statuses)
        assert any("/20 nets trained" in text and "left" in text for text in statuses)

    drive(session, scenario, order=3, k=0.1)


def test_fast_nets_are_drawn_in_batches_and_the_first_at_once(session, monkeypatch):
    """Issue 20.5: nets faster than PARTIAL_REDRAW would rebuild the plot for each one while
    keys wait; the first point shows at once, the rest when the window ends or the sweep does."""
    monkeypatch.setattr(evaluate_pane, "PARTIAL_REDRAW", 60.0)

    async def scenario(pilot, pane):
        await settled(pilot, pane)
        plot = pane.query_one("#eval-lambda-plot", SweepPlot)
        status = pane.query_one("#eval-status", Static)
        shown: list[int] = []
        statuses: list[str] = []
        show, update = plot.show, status.update
        plot.show = lambda curve, title="": (
            shown.append(-1 if curve is None else len(curve.xs)),
            show(curve, title),
        )[1]
        status.update = lambda text="": (statuses.append(str(text)), update(text))[1]
        await pilot.press("l")
        await wait_until(pilot, lambda: pane.lambda_sweep is not None, timeout=60)
        assert sorted({n for n in shown if n > 0}) == [1, 20]
        # The status line still counts every net as it ends.
        counted = {int(m[1]) for t in statuses if (m := re.search(r"(\d+)/20 nets trained", t))}
        assert counted >= set(range(0, 20))
        assert pane._partial_redraw is None  # no redraw left pending after the sweep

    drive(session, scenario, order=3, k=0.1)


def test_a_cancelled_lambda_sweep_says_how_many_of_its_nets_were_done(session):
    """Issue 18.17: not `cancelled after 0/0 nets`: the total is known from the start."""

    async def scenario(pilot, pane):
        await settled(pilot, pane)
        await pilot.press("l")  # order 6: seconds for 20 nets
        await wait_until(pilot, lambda: pane._progress[1] == 20)
        assert re.search(r"best λ: \d+/20 nets", text_of(pane, "#eval-summary"))
        await pilot.press("c")
        assert re.search(r"λ sweep cancelled after \d+/20 nets", text_of(pane, "#eval-status"))

    drive(session, scenario, order=6, k=0.1)


def test_the_table_the_sweeps_and_the_grid_wait_for_the_pane_to_be_shown(names_path):
    """They run in a worker, but at start they would only take CPU from the pane in use, and
    memory from every classroom session that never opens the pane (issue 20.7)."""
    from .helpers import run_loaded

    async def scenario(app, pilot):
        pane = app.query_one(EvaluatePane)
        await pilot.press("o")  # an order change elsewhere starts nothing here either
        await pilot.pause(0.5)
        assert not pane._work_started and pane.grid is None
        assert pane.rows is None and pane.k_sweep is None
        await pilot.press("5")
        await wait_until(pilot, lambda: pane.grid is not None and pane.rows is not None)
        assert app.order == 3 and pane.k_sweep is not None  # the order of the first show

    run_loaded(names_path, scenario, (120, 40))
