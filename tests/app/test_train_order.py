"""Train at order n: the table or the linear net, on all the words or on the split, with the
dev loss plotted beside the train loss and the floor at the same order."""

from __future__ import annotations

import pytest

from bigram_tui.tui.app.loss_plot import LossPlot
from bigram_tui.tui.app.train_pane import RunSetup, TrainPane, dev_losses, floor

from .helpers import drive_train, session_fixture, text_of, until

LECTURE_LOSSES = ["3.7590", "3.3711", "3.1540"]


session = session_fixture(notebook_sum=False)


async def settled(pilot, pane) -> None:
    await until(pilot, lambda: not pane._preparing)
    await pilot.pause()
    await pilot.pause()


def shown(losses) -> list[str]:
    return [f"{loss:.4f}" for loss in losses]


def test_order_2_table_without_split_is_the_sessions_run(session):
    async def scenario(pilot, pane):
        assert pane.setup == RunSetup(2, "table", False)
        assert pane.run is session.run(2)
        await pilot.press("n", "n", "n")
        assert shown(session.run().losses) == LECTURE_LOSSES

    drive_train(session, scenario, (120, 40))


def test_order_3_trains_its_own_net_and_order_2_comes_back(session):
    async def scenario(pilot, pane):
        pane.use_order(3)
        await settled(pilot, pane)
        assert pane.run is session.run(3)  # the order's net: the one every pane uses
        await pilot.press("n", "n")
        assert pane.run.epoch == 2 and session.run(2).epoch == 0
        status = text_of(pane, "#train-status")
        assert "n=3 table 16,254 weights" in status
        assert pane._floor == pytest.approx(2.1857, abs=5e-5)  # the trigram counts NLL
        pane.use_order(2)
        await settled(pilot, pane)
        assert pane.run is session.run(2)
        await pilot.press("n", "n", "n")
        assert shown(session.run().losses) == LECTURE_LOSSES

    drive_train(session, scenario, (120, 40))


def test_t_cycles_table_and_linear_and_shows_their_weights(session):
    async def scenario(pilot, pane):
        pane.use_order(3)
        await settled(pilot, pane)
        await pilot.press("t")
        await settled(pilot, pane)
        assert pane.setup.kind == "linear" and pane.run.kind == "linear"
        assert "n=3 linear 1,458 weights" in text_of(pane, "#train-status")
        await pilot.press("t")
        await settled(pilot, pane)
        assert pane.setup.kind == "table"

    drive_train(session, scenario, (120, 40))


def test_order_1_has_no_linear_net(session):
    async def scenario(pilot, pane):
        pane.use_order(1)
        await settled(pilot, pane)
        await pilot.press("t")
        await settled(pilot, pane)
        assert pane.setup == RunSetup(1, "table", False)

    drive_train(session, scenario, (120, 40))


def test_the_split_plots_train_and_dev_loss(session):
    async def scenario(pilot, pane):
        await pilot.press("d")
        await settled(pilot, pane)
        assert pane.setup.split
        await pilot.press("n", "n", "n")
        await settled(pilot, pane)
        run = pane.run
        assert len(run.dev_losses) == 3
        # Trained on 80% of the words: near the lecture's numbers, but not them.
        assert shown(run.losses) == ["3.7578", "3.3701", "3.1532"]
        assert shown(dev_losses(run)) == ["3.7584", "3.3719", "3.1559"]
        plot = pane.query_one(LossPlot)
        assert plot.drawn_labels == ("dev: lr 50, λ 0", "train: lr 50, λ 0")
        assert "dev 3.155" in text_of(pane, "#train-status")
        _, text = pane.copy_text()
        assert text.splitlines()[0] == "epoch,loss,dev_loss"
        await pilot.press("d")  # off again: the lecture's run and numbers
        await settled(pilot, pane)
        assert pane.run is session.run(2)
        assert plot.drawn_labels == ()

    drive_train(session, scenario, (120, 40))


def test_lr_and_lambda_carry_over_to_the_new_net(session):
    async def scenario(pilot, pane):
        from textual.widgets import Input

        pane.query_one("#train-lr", Input).value = "5"
        await pilot.pause()
        pane.use_order(4)
        await settled(pilot, pane)
        assert pane.run.lr == 5.0
        await pilot.press("n")
        await until(pilot, lambda: pane.run.epoch == 1)

    drive_train(session, scenario, (120, 40))


def test_floor_is_the_counts_nll_on_what_training_reads(session):
    assert floor(session, RunSetup()) == pytest.approx(2.454014, abs=1e-6)
    on_split = session.on_word_split()
    assert floor(on_split, RunSetup(2, "table", True)) == pytest.approx(2.4541, abs=1e-3)
    assert floor(session, RunSetup(3)) < floor(session, RunSetup(2))


def test_a_net_that_cannot_be_built_is_one_line_and_the_pane_goes_on(session, monkeypatch):
    def refuse(self, setup):
        raise MemoryError("not enough memory for the 5-gram table")

    monkeypatch.setattr(TrainPane, "_session_for", refuse)

    async def scenario(pilot, pane):
        pane.use_order(5)
        await settled(pilot, pane)
        notes = [n.message for n in pane.app._notifications]
        assert "not enough memory for the 5-gram table" in notes
        assert pane.app.is_running
        assert pane.run is session.run()  # the last run it had
        assert pane.setup == RunSetup()  # and says so

    drive_train(session, scenario, (120, 40))
