"""Comparing runs: b pins the loss curve; the next run is drawn over it with a legend; and the
loss history copies as CSV."""

from __future__ import annotations

from textual.widgets import Input

from bigram_tui.tui.app.loss_plot import LossPlot

from .helpers import drive_train, session_fixture, until

session = session_fixture(notebook_sum=False)


async def plotted(pilot, pane) -> LossPlot:
    plot = pane.query_one(LossPlot)
    await pilot.pause()
    await pilot.pause()  # the plot redraws a frame after the status
    return plot


def test_pinned_curve_and_the_next_run_are_two_labelled_series(session):
    async def scenario(pilot, pane):
        await pilot.press("n", "n", "n", "n")
        assert (await plotted(pilot, pane)).drawn_labels == ()  # one run alone: no legend
        pinned = list(session.run().losses)
        await pilot.press("b", "r")
        pane.query_one("#train-lr", Input).value = "10"
        await pilot.pause()
        await pilot.press("n", "n")
        plot = await plotted(pilot, pane)
        assert plot.drawn_labels == ("pinned: lr 50, λ 0", "lr 10, λ 0")
        assert [list(curve.losses) for curve in plot._extra] == [pinned]
        assert len(plot._losses) == 2
        legend = str(plot.render())
        assert "pinned: lr 50, λ 0" in legend and "lr 10, λ 0" in legend
        await pilot.press("b")  # the same key unpins
        assert (await plotted(pilot, pane)).drawn_labels == ()

    drive_train(session, scenario, (120, 40))


def test_pinning_nothing_pins_nothing(session):
    async def scenario(pilot, pane):
        await pilot.press("b")
        assert pane._baseline is None
        await pilot.press("n", "b")
        assert pane._baseline is not None

    drive_train(session, scenario, (120, 40))


def test_copy_text_is_the_loss_history_as_csv(session):
    async def scenario(pilot, pane):
        assert pane.copy_text() is None  # nothing trained: nothing to copy
        await pilot.press("n", "n", "n")
        what, text = pane.copy_text()
        assert what == "loss history"
        lines = text.splitlines()
        assert lines[0] == "epoch,loss"
        rows = [line.split(",") for line in lines[1:]]
        assert [int(epoch) for epoch, _ in rows] == [0, 1, 2]
        assert [float(loss) for _, loss in rows] == session.run().losses  # exact, not rounded
        assert [f"{float(loss):.4f}" for _, loss in rows] == ["3.7590", "3.3711", "3.1540"]

    drive_train(session, scenario, (120, 40))


def test_the_plot_follows_a_run_while_pinned(session):
    async def scenario(pilot, pane):
        await pilot.press("n", "n", "b", "r")
        pane.query_one("#train-epochs", Input).value = "30"
        await pilot.pause()
        await pilot.press("space")
        await until(pilot, lambda: session.run().epoch == 30)
        plot = await plotted(pilot, pane)
        assert len(plot._losses) == 30 and len(plot._extra[0].losses) == 2

    drive_train(session, scenario, (120, 40))
