"""The Train tab, driven by key presses in a tiny host app around just the pane."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from bigram_tui.core import params
from bigram_tui.tui.app.train_fields import FIELDS
from bigram_tui.tui.app.train_pane import (
    DIVERGED,
    FINISHED,
    PAUSED,
    RUNNING,
)

from .helpers import LECTURE_SEED, drive_train, session_fixture, text_of, until

session = session_fixture(seed=LECTURE_SEED)


async def train_to_the_end(pilot, pane, epochs: str = "20") -> None:
    """Set the epochs field, start, and wait until the run has finished."""
    pane.query_one("#train-epochs", Input).value = epochs
    await pilot.pause()
    await pilot.press("space")
    await until(pilot, lambda: pane.state == FINISHED)


def test_fields_start_at_the_core_defaults_and_parse_by_its_rules():
    assert [(spec.name, spec.rule.default_text) for spec in FIELDS] == [
        ("lr", "50"), ("epochs", "500"), ("reg", "0")
    ]  # fmt: skip
    assert [spec.parse for spec in FIELDS] == [
        params.parse_lr,
        params.parse_epochs,
        params.parse_reg,
    ]


def core_reason(parse, text: str) -> str:
    """What core.params says of `text`: the field must say the same."""
    with pytest.raises(params.ParameterError) as error:
        parse(text)
    return str(error.value)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_three_single_steps_show_the_lecture_losses(session, size):
    async def scenario(pilot, pane):
        await pilot.press("n", "n", "s")
        assert session.run().epoch == 3
        table = text_of(pane, "#train-losses")
        for loss in ("3.7590", "3.3711", "3.1540"):
            assert loss in table
        status = text_of(pane, "#train-status")
        assert "epoch 3/500" in status
        assert "loss 3.154043" in status
        assert pane.state == PAUSED

    drive_train(session, scenario, size)


def test_start_pause_and_reset(session):
    async def scenario(pilot, pane):
        pane.query_one("#train-epochs", Input).value = "1000000"
        await pilot.pause()
        await pilot.press("space")
        assert pane.state == RUNNING
        await until(pilot, lambda: session.run().epoch > 50)
        pane.pause()  # stop the worker before pressing more keys
        await pilot.pause()
        assert pane.state == PAUSED
        stopped_at = session.run().epoch
        await pilot.pause(0.3)
        assert session.run().epoch == stopped_at  # no epoch lands after pause
        assert f"epoch {stopped_at:,}/1,000,000" in text_of(pane, "#train-status")
        await pilot.press("r")
        assert session.run().epoch == 0
        assert "epoch 0/1,000,000" in text_of(pane, "#train-status")
        await pilot.press("n")
        assert session.run().losses == pytest.approx([3.7589535584350453])

    drive_train(session, scenario)


def test_run_stops_at_the_epochs_field(session):
    async def scenario(pilot, pane):
        await pilot.press("tab", "tab")  # plot → lr → epochs
        assert pane.app.focused is pane.query_one("#train-epochs", Input)
        await pilot.press(*"20", "enter")
        assert pane.target_epochs == 20
        await pilot.press("space")
        await until(pilot, lambda: pane.state == FINISHED)
        assert session.run().epoch == 20
        assert "epoch 20/20" in text_of(pane, "#train-status")

    drive_train(session, scenario)


def test_bad_lr_is_rejected_with_a_reason(session):
    async def scenario(pilot, pane):
        await pilot.press("tab")
        assert pane.app.focused is pane.query_one("#train-lr", Input)
        await pilot.press("ctrl+a", *"abc")
        typed = pane.query_one("#train-lr", Input).value  # ctrl+a went home: "abc50"
        assert text_of(pane, "#train-lr-reason") == core_reason(params.parse_lr, typed)
        assert session.run().lr == 50.0  # the last good value stays in force
        await pilot.press("escape")
        assert pane.app.focused is pane.query_one("#train-plot")
        await pilot.press("n")  # the pane's keys work again
        assert session.run().epoch == 1

    drive_train(session, scenario)


def test_huge_lr_diverges_and_reset_recovers(session):
    async def scenario(pilot, pane):
        pane.query_one("#train-lr", Input).value = "1e6"
        await pilot.pause()
        assert session.run().lr == 1e6
        await pilot.press("space")
        await until(pilot, lambda: pane.state == DIVERGED)
        message = text_of(pane, "#train-message")
        assert "lr=1e+06" in message  # the core's or the pane's reason, naming the lr
        assert "diverged" in str(pane.query_one("#train-state").render())
        epochs_before = session.run().epoch
        await pilot.press("space")  # refuses to go on
        assert session.run().epoch == epochs_before
        pane.query_one("#train-lr", Input).value = "50"
        await pilot.pause()
        await pilot.press("r", "n")
        assert pane.state == PAUSED
        assert session.run().losses == pytest.approx([3.7589535584350453])

    drive_train(session, scenario)


def test_epochs_field_rejects_out_of_range(session):
    async def scenario(pilot, pane):
        for bad in ("-1", "2000000", "nan"):
            pane.query_one("#train-epochs", Input).value = bad
            await pilot.pause()
            reason = text_of(pane, "#train-epochs-reason")
            assert reason == core_reason(params.parse_epochs, bad)
            assert pane.target_epochs == 500
        pane.query_one("#train-reg", Input).value = "-1"
        await pilot.pause()
        assert text_of(pane, "#train-reg-reason") == core_reason(params.parse_reg, "-1")
        assert text_of(pane, "#train-reg-reason").startswith("λ: ")
        assert session.run().reg == 0.0

    drive_train(session, scenario)


# ----- issue 10: what the status says, the field keys, and the speed ------------------------


def test_the_status_says_which_epoch_the_loss_is_of(session):
    async def scenario(pilot, pane):
        await pilot.press("n", "n", "n")
        # Three epochs run; the loss shown is of the weights epoch 2 started from.
        assert "loss 3.154043 at epoch 2" in text_of(pane, "#train-status")
        await train_to_the_end(pilot, pane)
        await pilot.pause()
        status = text_of(pane, "#train-status")
        assert "at epoch 19" in status
        assert f"final weights {session.run().final_loss():.6f}" in status
        notes = [n.message for n in pane.app._notifications]
        assert any("loss at epoch 19" in n and "loss of the final weights" in n for n in notes)

    drive_train(session, scenario)


def test_a_run_that_ended_shows_no_rate_not_zero(session):
    async def scenario(pilot, pane):
        await train_to_the_end(pilot, pane)
        pane._on_tick()  # a tick that lands after the run ended
        status = text_of(pane, "#train-status")
        assert "— epochs/s" in status and " 0 epochs/s" not in status

    drive_train(session, scenario, (200, 60))  # wide: at 80 columns the status leaves it out


def test_the_rate_shown_never_passes_the_pace(session):
    """At 25 epochs/s a third of a second holds 8 or 9 epochs: the status said 27 (≤25)."""
    import time

    async def scenario(pilot, pane):
        pane.query_one("#train-epochs", Input).value = "1000000"
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause(0.2)
        pane.pause()
        pane.state = RUNNING  # the tick reads a running state; no worker runs meanwhile
        epoch = session.run().epoch
        pane._rate_mark = (time.perf_counter() - 1 / 3, epoch - 9)
        pane._on_tick()
        assert "25 epochs/s (≤25)" in text_of(pane, "#train-status")

    drive_train(session, scenario, (200, 60))


def shown_keys(app) -> dict[str, str]:
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show
    }


def test_the_footer_shows_a_key_for_the_fields_and_their_keys_in_them(session):
    async def scenario(pilot, pane):
        assert shown_keys(pane.app)["f"] == "Fields"
        await pilot.press("f")
        assert pane.app.focused is pane.query_one("#train-lr", Input)
        keys = shown_keys(pane.app)
        assert keys["enter"] == "Apply"
        assert keys["escape"] == "Back to the plot"
        assert keys["tab"] == "Next field"
        await pilot.press("tab")
        assert pane.app.focused is pane.query_one("#train-epochs", Input)
        await pilot.press("escape")
        assert pane.app.focused is pane.query_one("#train-plot")

    drive_train(session, scenario)


def test_v_paces_training_so_it_can_be_watched(session):
    import asyncio
    import time

    async def scenario(pilot, pane):
        pane.query_one("#train-epochs", Input).value = "1000000"
        await pilot.pause()
        assert pane.driver.pace == 25.0  # 1×, the default: 25 epochs/s
        assert "(≤25)" in text_of(pane, "#train-status")
        started = time.perf_counter()
        await pilot.press("space")
        await asyncio.sleep(0.6)
        pane.pause()
        elapsed = time.perf_counter() - started
        # Never faster than the pace (full speed runs thousands of epochs a second).
        assert 1 <= session.run().epoch <= 25 * elapsed + 2
        await pilot.press("v", "v")  # 10×, then full speed
        assert pane.driver.pace is None

    drive_train(session, scenario)


def test_the_final_weights_loss_is_of_this_run_after_a_reset(session):
    async def scenario(pilot, pane):
        await train_to_the_end(pilot, pane)
        first = session.run().final_loss()
        pane.query_one("#train-lr", Input).value = "10"
        await pilot.pause()
        await pilot.press("r", "space")
        await until(pilot, lambda: pane.state == FINISHED)
        await pilot.pause()
        second = session.run().final_loss()
        assert f"{first:.6f}" != f"{second:.6f}"
        assert f"final weights {second:.6f}" in text_of(pane, "#train-status")

    drive_train(session, scenario)
