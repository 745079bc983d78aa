"""Issue 10, item 20: every pane writes a net's epochs the same way, with thousands separators."""

from __future__ import annotations

import pytest

from bigram_tui.tui.app.counts_pane import CountsPane
from bigram_tui.tui.app.weights_note import weights_note
from bigram_tui.tui.app.word_pane import WordPane

from .helpers import drive_pane, text_of


@pytest.fixture(scope="module")
def trained(names_path):
    """A session of its own, trained past a thousand epochs."""
    from bigram_tui.core.session import Session

    session = Session.load(names_path, seed=2147483647)
    session.train(1200)
    return session


def test_the_note_counts_in_thousands_and_says_one_epoch():
    assert weights_note(0) == "W untrained"
    assert weights_note(1) == "W after 1 epoch"
    assert weights_note(189552) == "W after 189,552 epochs"


def test_word_names_the_nets_epochs_with_a_separator(trained):
    async def scenario(pilot, pane):
        await pilot.press("m")
        assert "model neural net, W after 1,200 epochs" in text_of(pane, "#word-settings")
        assert "(neural net, W after 1,200 epochs," in text_of(pane, "#word-summary")

    drive_pane(WordPane(), trained, scenario, size=(120, 40))


def test_counts_names_the_nets_epochs_with_a_separator(trained):
    async def scenario(pilot, pane):
        await pilot.press("v", "v", "v")  # counts → P → log P → exp(W)
        title = text_of(pane, "#counts-title")
        assert "exp(W)" in title and "W after 1,200 epochs" in title

    drive_pane(CountsPane(), trained, scenario, size=(120, 40))
