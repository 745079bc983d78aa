"""Issue 18, items 9 and 10: one short notice per action, about the pane in view, and no
status left over from a λ sweep of another order."""

from __future__ import annotations

from pathlib import Path

import pytest

from bigram_tui.tui.app.evaluate_pane import EvaluatePane

from .helpers import drive_pane, run_loaded, session_fixture, text_of, until

session = session_fixture(notebook_sum=False)


def recorded(app) -> list[str]:
    """Every notice raised from now on, its message; even one coalesced away."""
    raised: list[str] = []
    notify = app.notify

    def record(message, **kwargs):
        raised.append(message)
        notify(message, **kwargs)

    app.notify = record
    for widget in app.query("*"):
        widget.notify = record  # a widget's notify goes to App.notify by its class, not ours
    return raised


@pytest.mark.parametrize("pane_key", ["1", "2", "3", "4"])
def test_o_raises_one_short_notice_and_none_about_other_panes(names_path: Path, pane_key):
    async def scenario(app, pilot):
        await pilot.press(pane_key)
        await pilot.press("a", "space", "space") if pane_key == "4" else None
        await pilot.press("escape")
        raised = recorded(app)
        await pilot.press("o")  # order 3: each pane builds its counts or net
        train = app.query_one("#train")
        await until(pilot, lambda: not train._preparing and train.run.order == 3, timeout=30)
        await pilot.pause(0.3)
        # The status bar shows the order: at most one notice, and only the pane in view's.
        assert len(raised) <= 1, raised
        for note in raised:
            assert "lr " not in note  # Train's lr is Train's: its field shows it
            assert "Next names start" not in note and "nothing (no context)" not in note
            assert len(note) <= 60, note

    run_loaded(names_path, scenario, (80, 24))


def test_a_sweep_cancelled_at_another_order_leaves_no_status_here(session):
    async def scenario(pilot, pane):
        await until(pilot, lambda: pane.k_sweep is not None, timeout=60)
        pane.use_order(3)
        await pilot.pause()
        pane.action_sweep_lambda()
        assert pane.sweeping
        pane.use_order(4)  # cancels the sweep at order 3 (before it ends: it is quick)
        await pilot.pause()
        assert "order 3 cancelled" in text_of(pane, "#eval-status")
        await until(pilot, lambda: pane.k_sweep is not None, timeout=60)
        pane.use_order(2)
        await pilot.pause()
        assert "cancelled" not in text_of(pane, "#eval-status")
        pane.use_order(3)  # where it was cancelled, it still says so
        await pilot.pause()
        assert "order 3 cancelled" in text_of(pane, "#eval-status")

    drive_pane(EvaluatePane(id="evaluate"), session, scenario, (120, 40))


def test_a_run_that_finishes_behind_another_pane_raises_no_notice(names_path: Path):
    async def scenario(app, pilot):
        await pilot.press("3", "v", "v", "f")  # full speed, into the epochs field
        field = app.focused
        field.value = "30"
        await pilot.press("enter", "escape", "4")  # the run trains on behind Sample
        raised = recorded(app)
        await pilot.press("3")
        await pilot.press("4")
        train = app.query_one("#train")
        train.action_toggle_run()
        await until(pilot, lambda: train.run.epoch >= 30, timeout=30)
        await pilot.pause(0.3)
        assert not any(note.startswith("Finished") for note in raised), raised

    run_loaded(names_path, scenario, (120, 40))
