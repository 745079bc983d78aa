"""Issue 18, items 1–5: training that can be watched (a pace, an epoch axis that follows the
data, the gap to the floor on a log axis), `t` keeping the curve it leaves, the dev loss in
the side table, a status line that fits, and a hand-set lr that survives the orders."""

from __future__ import annotations

import itertools
import math

import pytest
from textual.widgets import Input

from bigram_tui.tui.app.loss_plot import (
    ALL_X,
    LAST_EPOCHS,
    LAST_X,
    LOG_X,
    GapPlot,
    LossPlot,
    epoch_axis,
)
from bigram_tui.tui.app.train_pane import FINISHED

from .helpers import drive_train, session_fixture, text_of, until

session = session_fixture(notebook_sum=False)


async def settled(pilot, pane) -> None:
    await until(pilot, lambda: not pane._preparing)
    await pilot.pause()
    await pilot.pause()


async def drawn(pilot) -> None:
    await pilot.pause()
    await pilot.pause()  # the plots redraw a frame after the status


async def steps(pilot, pane, count: int) -> None:
    for _ in range(count):
        pane.action_step()
    await drawn(pilot)


def test_training_starts_at_a_pace_that_can_be_watched(session):
    async def scenario(pilot, pane):
        assert pane.driver.pace == 25.0  # 500 epochs in 20 s, not in 0.3 s
        assert "(≤25)" in text_of(pane, "#train-status")
        await pilot.press("v", "v", "v")
        assert pane.driver.pace == 25.0  # 10×, max, and back

    drive_train(session, scenario)


def test_the_log_epoch_axis_gives_the_drop_half_the_width():
    axis = epoch_axis(LOG_X, 500, 500)
    low, high = axis.limits
    assert (axis.position(20) - low) / (high - low) > 0.45
    linear = epoch_axis(ALL_X, 500, 500)
    assert (linear.position(20) - linear.limits[0]) / (linear.limits[1] - linear.limits[0]) < 0.05


def test_the_epoch_axis_follows_the_data_and_x_switches_it(session):
    async def scenario(pilot, pane):
        plot = pane.query_one(LossPlot)
        await steps(pilot, pane, 20)
        # Log by default, and up to the last epoch trained, not to the epochs field's 500.
        assert (plot.drawn_axis.view, plot.drawn_axis.last) == (LOG_X, 19)
        await steps(pilot, pane, 130)
        await pilot.press("x")
        await drawn(pilot)
        assert plot.drawn_axis.view == LAST_X
        assert (plot.drawn_axis.first, plot.drawn_axis.last) == (149 - LAST_EPOCHS, 149)
        await pilot.press("x")
        await drawn(pilot)
        assert (plot.drawn_axis.view, plot.drawn_axis.last) == (ALL_X, 500)
        await pilot.press("x")
        await drawn(pilot)
        assert plot.drawn_axis.view == LOG_X

    drive_train(session, scenario, (120, 40))


def test_the_gap_to_the_floor_is_plotted_on_a_log_axis(session):
    async def scenario(pilot, pane):
        await steps(pilot, pane, 30)
        gap_plot = pane.query_one(GapPlot)
        assert gap_plot.display and gap_plot.region.height >= 8
        floor = pane._floor
        gaps = gap_plot.drawn_gaps
        assert gaps[0] == pytest.approx(pane.run.losses[0] - floor)
        assert gaps[-1] == pytest.approx(pane.run.losses[-1] - floor)
        assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
        # A log axis: the ticks are powers of ten, spanning more than one.
        text = str(gap_plot.render())
        assert "0.01" in text and "1" in text
        assert math.log10(gaps[0] / gaps[-1]) > 0.5

    drive_train(session, scenario, (120, 40))


def test_t_keeps_the_curve_it_leaves_pinned(session):
    async def scenario(pilot, pane):
        await steps(pilot, pane, 4)
        leaving = list(pane.run.losses)
        await pilot.press("t")
        await settled(pilot, pane)
        assert pane.setup.kind == "linear"
        assert pane._baseline is not None
        assert list(pane._baseline.losses) == leaving
        assert "table" in pane._baseline.label
        notes = [n.message for n in pane.app._notifications]
        assert any("pinned" in note for note in notes)
        await pilot.press("n")
        await drawn(pilot)
        assert pane.query_one(LossPlot).drawn_labels[0] == pane._baseline.label
        await pilot.press("t")  # back to the table net
        await settled(pilot, pane)

    drive_train(session, scenario, (120, 40))


def test_the_side_table_shows_the_dev_loss_beside_the_train_loss(session):
    async def scenario(pilot, pane):
        await pilot.press("d")
        await settled(pilot, pane)
        await steps(pilot, pane, 3)
        table = text_of(pane, "#train-losses").splitlines()
        assert table[0].split() == ["epoch", "loss", "dev"]
        dev = [pane.run.dev_losses[epoch] for epoch in range(3)]
        for epoch in range(3):
            row = table[1 + epoch].split()
            assert row == [str(epoch), f"{pane.run.losses[epoch]:.4f}", f"{dev[epoch]:.4f}"]
        await pilot.press("d")
        await settled(pilot, pane)

    drive_train(session, scenario, (120, 40))


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)])
def test_the_status_line_is_never_cut(session, size):
    async def scenario(pilot, pane):
        status = pane.query_one("#train-status")

        def fits() -> None:
            text = text_of(pane, "#train-status")
            assert "…" not in text
            assert len(text) <= status.content_size.width, text
            assert text.startswith("epoch ")

        pane.use_order(3)
        await settled(pilot, pane)
        await pilot.press("d")  # the longest line: dev loss and the net
        await settled(pilot, pane)
        pane.query_one("#train-epochs", Input).value = "5"
        await pilot.pause()
        fits()
        pane.driver.pace = None
        await pilot.press("space")
        await until(pilot, lambda: pane.state == FINISHED)
        await pilot.pause()
        fits()
        if size[0] >= 200:  # room for all of it
            assert "final weights" in text_of(pane, "#train-status")
            assert "weights" in text_of(pane, "#train-status").split("·")[-1]
        await pilot.press("d")
        await settled(pilot, pane)
        pane.use_order(2)
        await settled(pilot, pane)

    drive_train(session, scenario, size)


def test_a_hand_set_lr_survives_cycling_the_orders(session):
    async def scenario(pilot, pane):
        pane.query_one("#train-lr", Input).value = "10"
        await pilot.pause()
        for order in (3, 4, 5, 1, 2):
            pane.use_order(order)
            await settled(pilot, pane)
            assert pane.run.lr == 10.0, order
            assert pane.query_one("#train-lr", Input).value == "10"

    drive_train(session, scenario, (120, 40))


def test_the_lr_follows_the_order_until_one_is_set(session):
    async def scenario(pilot, pane):
        pane.use_order(1)
        await settled(pilot, pane)
        assert pane.run.lr == 10.0  # the unigram's default
        pane.use_order(2)
        await settled(pilot, pane)
        assert pane.run.lr == 50.0

    drive_train(session, scenario, (120, 40))
