"""The unigram trains at its own default lr (10): at the lecture's 50 its one row diverges."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from bigram_tui.core.defaults import DEFAULT_LR, UNIGRAM_LR, default_lr

from .helpers import drive_train, until


@pytest.fixture
def session(names_path):
    """A session of its own: these tests change its lr."""
    from bigram_tui.core.session import Session

    return Session.load(names_path, notebook_sum=False)


async def at_order(pilot, pane, order: int) -> None:
    pane.use_order(order)
    await until(pilot, lambda: not pane._preparing and pane.setup.order == order)
    await pilot.pause()


def test_every_order_but_the_unigram_keeps_the_lectures_lr():
    assert default_lr(1) == UNIGRAM_LR == 10.0
    assert [default_lr(order) for order in (2, 3, 4, 5)] == [DEFAULT_LR] * 4


def test_the_default_lr_follows_the_order_and_the_unigram_converges(session):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 1)
        assert pane.run.lr == UNIGRAM_LR
        assert pane.query_one("#train-lr", Input).value == "10"
        for _ in range(5):
            await pilot.press("n")
        await until(pilot, lambda: pane.run.epoch == 5)
        assert pane.state != "diverged" and pane.run.losses[-1] < pane.run.losses[0]
        await at_order(pilot, pane, 2)
        assert pane.run.lr == DEFAULT_LR
        assert pane.query_one("#train-lr", Input).value == "50"

    drive_train(session, scenario, (120, 40))


def test_an_lr_the_user_chose_stays_at_the_unigram(session):
    async def scenario(pilot, pane):
        pane.query_one("#train-lr", Input).value = "5"
        await until(pilot, lambda: pane.run.lr == 5.0)
        await at_order(pilot, pane, 1)
        assert pane.run.lr == 5.0

    drive_train(session, scenario, (120, 40))
