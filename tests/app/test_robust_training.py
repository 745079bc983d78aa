"""The Train pane under abuse: divergence, bad fields, reset and changes mid-run, quitting."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from pathlib import Path

import pytest
import torch
from textual.widgets import Input, Static

from bigram_tui.core.neural import TrainingDiverged, TrainingRun, initial_weights
from bigram_tui.core.params import ParameterError
from bigram_tui.tui.app.loss_plot import LossPlot
from bigram_tui.tui.app.train_fields import FIELDS
from bigram_tui.tui.app.train_pane import DIVERGED, FINISHED, PAUSED, RUNNING, TrainPane

from .helpers import (
    make_app,
    press_now,
    run_on_pane,
    set_train_field,
    start_long_run,
    text_of,
    until,
    wait_until_loaded,
)

NOTEBOOK_LOSSES = [3.7590, 3.3711, 3.1540]


def reason(app, name: str) -> str:
    return text_of(app, f"#train-{name}-reason")


def test_divergence_stops_keeps_the_plot_and_reset_recovers(names_path: Path) -> None:
    """A runaway lr (huge loss, or NaN) stops the run with a message; r recovers."""

    async def scenario(app, pilot, pane: TrainPane):
        for lr in ("1e6", "1e308"):
            await pilot.press("n", "n")  # two good epochs first
            good = list(pane.run.losses)
            await set_train_field(pilot, "lr", lr)
            await pilot.press("escape")
            await press_now(pilot, "space")
            await until(pilot, lambda: pane.state != RUNNING)
            assert pane.state == DIVERGED, lr
            message = text_of(app, "#train-message")
            assert "diverged" in message.lower() or "too large" in message
            assert app.query_one("#train-message").display
            losses = pane.run.losses
            assert losses[:2] == good and all(math.isfinite(x) for x in losses)
            await pilot.pause()
            assert list(app.query_one(LossPlot)._losses) == losses  # every point kept
            assert bool(torch.isfinite(pane.run.weights).all())
            await pilot.press("space")  # refused until reset
            assert pane.state == DIVERGED and pane.run.losses == losses
            await set_train_field(pilot, "lr", "50")
            await pilot.press("escape", "r")
            assert (pane.state, pane.run.epoch) == (PAUSED, 0)
            assert not app.query_one("#train-message").display
        await pilot.press("n", "n", "n")
        assert [round(x, 4) for x in pane.run.losses] == NOTEBOOK_LOSSES

    run_on_pane(names_path, "3", scenario)


def test_core_divergence_leaves_the_weights_as_they_were(name_counts) -> None:
    """TrainingDiverged is raised before the bad update lands, for both lr and λ."""
    for lr, reg in ((1e308, 0.0), (50.0, 1e308)):
        run = TrainingRun(name_counts, seed=1, lr=lr, reg=reg)
        with pytest.raises(TrainingDiverged):
            for _ in range(3):
                before, epochs = run.weights, run.epoch
                run.step()
        assert run.weights is before and run.epoch == epochs
        assert bool(torch.isfinite(run.weights).all())


BAD_FIELDS = [
    ("lr", ["fast", "", "0", "-1", "nan", "inf", "1e999", "1_0"], "0.5"),
    ("reg", ["-1", "-0.001", "lots", "nan"], "0.01"),
    ("epochs", ["-5", "2.5", "1e12", "many", "", "1000001"], "1000000"),
]


def test_fields_reject_bad_values_with_a_reason(names_path: Path) -> None:
    """A bad value shows why beside the field and changes nothing; a good one is taken."""

    async def scenario(app, pilot, pane: TrainPane):
        for field, values, good in BAD_FIELDS:
            spec = next(spec for spec in FIELDS if spec.name == field)
            before = (pane.run.lr, pane.run.reg, pane.target_epochs)
            for value in values:
                await set_train_field(pilot, field, value)
                with pytest.raises(ParameterError) as error:
                    spec.parse(value)
                # The app says what core.params says, as the CLI does.
                assert reason(app, field) == str(error.value), value
                assert reason(app, field).startswith(f"{spec.rule.label}: ")
                assert (pane.run.lr, pane.run.reg, pane.target_epochs) == before
            await set_train_field(pilot, field, good)
            assert reason(app, field) == spec.hint
            after = {"lr": pane.run.lr, "reg": pane.run.reg, "epochs": pane.target_epochs}
            assert after[field] == float(good)

    run_on_pane(names_path, "3", scenario)


def test_reset_and_changes_while_running(names_path: Path) -> None:
    """Reset mid-run stops the worker and restores W exactly; lr changes apply between epochs."""

    async def scenario(app, pilot, pane: TrainPane):
        await start_long_run(pilot)
        await until(pilot, lambda: pane.run.epoch >= 5)
        app.query_one("#train-lr", Input).value = "10"
        app.query_one("#train-reg", Input).value = "0.01"
        await until(pilot, lambda: (pane.run.lr, pane.run.reg) == (10.0, 0.01))
        at_change = pane.run.epoch
        await until(pilot, lambda: pane.run.epoch >= at_change + 5)
        assert pane.state == RUNNING
        await press_now(pilot, "r")
        assert pane.state == PAUSED and pane.run.epoch == 0
        assert torch.equal(pane.run.weights, initial_weights(27, 27, pane.run.seed).double())
        await asyncio.sleep(0.3)
        assert pane.run.epoch == 0  # no epoch of the cancelled worker lands afterwards
        assert pane.driver.worker is None
        for _ in range(3):  # start, reset, start, reset, ...: never an error or a stray run
            await press_now(pilot, "space", "r")
            assert pane.state == PAUSED and pane.run.epoch == 0
        await press_now(pilot, "space")
        await until(pilot, lambda: pane.run.epoch >= 3)
        await press_now(pilot, "space")  # pause
        paused_at = pane.run.epoch
        await asyncio.sleep(0.3)
        assert pane.state == PAUSED and pane.run.epoch == paused_at

    run_on_pane(names_path, "3", scenario)


def test_a_finished_run_asks_for_more_epochs(names_path: Path) -> None:
    """Status and table read back the run; at the target, space explains; more epochs continue."""

    async def scenario(app, pilot, pane: TrainPane):
        await pilot.press("n", "n", "n")
        status = str(app.query_one("#train-status", Static).visual)
        assert "epoch 3/500" in status and f"{pane.run.losses[-1]:.6f}" in status
        table = text_of(app, "#train-losses")
        assert all(f"{x:.4f}" in table for x in NOTEBOOK_LOSSES)
        await pilot.press("r")
        await set_train_field(pilot, "epochs", "3")
        await pilot.press("escape", "space")
        await until(pilot, lambda: pane.state == FINISHED)
        assert pane.run.epoch == 3
        await pilot.press("space")
        assert pane.state == FINISHED and pane.run.epoch == 3
        assert any("Reached 3 epochs" in n.message for n in app._notifications)
        await set_train_field(pilot, "epochs", "4")
        await pilot.press("escape", "n")
        assert pane.run.epoch == 4

    run_on_pane(names_path, "3", scenario)


def test_quitting_during_training_is_prompt_and_leaves_no_thread(names_path: Path) -> None:
    """q mid-run ends the app within a second or two, and the training thread is gone."""
    before = set(threading.enumerate())
    timing: dict[str, float] = {}

    async def main() -> None:
        app = make_app(names_path)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("3")
            pane = app.query_one(TrainPane)
            await start_long_run(pilot)
            await until(pilot, lambda: pane.run.epoch >= 3)
            assert pane.state == RUNNING
            timing["quit"] = time.monotonic()
            await press_now(pilot, "q")
        timing["gone"] = time.monotonic()
        assert app.return_code in (0, None)

    asyncio.run(main())
    assert timing["gone"] - timing["quit"] < 3.0
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        stray = [t for t in set(threading.enumerate()) - before if t.is_alive()]
        if not stray:
            break
        time.sleep(0.05)
    assert stray == [], stray
