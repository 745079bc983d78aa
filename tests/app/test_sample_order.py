"""The Sample tab at order n: the app's order reaches the sampler, names are marked as train,
dev/test or new, a context with no distribution is said, and the names can be copied."""

from __future__ import annotations

import pytest
import torch

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.model import NgramModel
from bigram_tui.tui.app.sample_history import MARKS, NameHistory
from bigram_tui.tui.app.sample_pane import SamplePane

from .helpers import (
    LECTURE_NAMES,
    LECTURE_SEED,
    drive_sample,
    history_lines,
    history_names,
    make_app,
    session_fixture,
    text_of,
    until,
    wait_until_loaded,
)

session = session_fixture(seed=LECTURE_SEED)


@pytest.fixture(scope="module")
def split(names_path):
    from bigram_tui.core.data import read_words
    from bigram_tui.core.split import split_words

    return split_words(read_words(names_path))


def core_names(session, order: int, n: int, kind: str = "counts") -> list[str]:
    counts = NgramCounts.from_path(session.data_path, order, session.vocab)
    model = NgramModel(counts, 1.0 if kind == "smoothed" else 0.0)
    return [name.text for name in session.sample(n, model, seed=LECTURE_SEED)]


class Nowhere:
    """A bigram model with no distribution after any context (every row all zero)."""

    name, order = "nowhere", 2

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def known_contexts(self) -> torch.Tensor:
        return torch.arange(self.vocab.size)

    def unseen_row(self) -> torch.Tensor | None:
        return torch.zeros(self.vocab.size, dtype=torch.float64)

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        return torch.zeros(len(context_ids), self.vocab.size, dtype=torch.float64)


@pytest.mark.parametrize("order", [1, 3, 5])
def test_use_order_samples_the_order_n_counts_model(session, order):
    async def scenario(pilot, pane):
        await pilot.press("space", "space")  # a name in progress, dropped by the switch
        pane.use_order(order)
        await until(pilot, lambda: pane.sampler.model.order == order)
        assert pane.sampler.model.order == order
        assert pane.sampler.context == (0,) * (order - 1) and pane.sampler.current == []
        assert f"{order}-gram counts (k=0)" in text_of(pane, "#sample-header")
        expected_title = "P(next)" if order == 1 else f"P(next | {'.' * (order - 1)!r})"
        assert expected_title in text_of(pane, "#sample-row-title")
        await pilot.press("r")
        for _ in range(6):
            await pilot.press("f")
        assert pane.query_one(NameHistory).names == core_names(session, order, 6)
        pane.use_order(2)  # back to the bigram: the lecture's names again
        await until(pilot, lambda: pane.sampler.model.order == 2)
        await pilot.press("r", "f", "f", "f", "f", "f")
        assert history_names(pane) == LECTURE_NAMES

    drive_sample(session, scenario)


def test_the_model_key_keeps_the_order(session):
    async def scenario(pilot, pane):
        pane.use_order(3)
        await until(pilot, lambda: pane.sampler.model.order == 3)
        await pilot.press("m")  # smoothed, k = 1, at order 3
        assert pane.model_kind == "smoothed" and pane.sampler.model.order == 3
        assert "3-gram smoothed (k=1)" in text_of(pane, "#sample-header")
        await pilot.press("r", "f", "f", "f")
        assert history_names(pane) == core_names(session, 3, 3, "smoothed")
        await pilot.press("m")  # neural at order 3: a net of that order
        assert pane.sampler.model.order == 3
        assert "3-gram neural (W" in text_of(pane, "#sample-header")
        await pilot.press("m")
        assert pane.sampler.model.order == 3 and "3-gram uniform" in text_of(pane, "#sample-header")
        await pilot.press("f")  # draws without error

    drive_sample(session, scenario)


def test_history_marks_train_dev_test_and_new(session, split):
    async def scenario(pilot, pane):
        history = pane.query_one(NameHistory)
        pane.use_order(5)  # a 5-gram model reproduces many training words
        await until(pilot, lambda: pane.sampler.model.order == 5)
        await pilot.press(*["f"] * 3)
        await until(pilot, lambda: history.split is not None)
        await pilot.press(*["f"] * 37)
        lines = history_lines(pane)
        assert len(lines) == 40
        marks = [line.split()[1] for line in lines]
        names = [line.split()[-1] for line in lines]
        # Every line, those drawn before the split was read too, carries the split's mark.
        assert marks == [MARKS[split.classify(name)][0] for name in names]
        assert {"T", "N"} <= set(marks)
        assert "T train · D dev/test" in text_of(pane, "#sample-history-legend")

    drive_sample(session, scenario)


def test_a_context_with_no_distribution_is_said_and_the_pane_goes_on(session):
    async def scenario(pilot, pane):
        pane.sampler.model = Nowhere(pane.sampler.model.vocab)
        pane.sampler.set_shaping(1.0, None)
        await pilot.press("a")  # auto running, then the draw fails
        await pilot.press("space")
        await pilot.pause()
        assert not pane.auto_running and pane.last_draw is None
        messages = [notice.message for notice in pilot.app._notifications]
        assert any("never seen in training" in m and "k > 0" in m for m in messages)
        await pilot.press("m")  # another model: drawing works again
        await pilot.press("space")
        assert pane.last_draw is not None

    drive_sample(session, scenario)


def test_copy_text_is_the_names_one_a_line(session):
    async def scenario(pilot, pane):
        assert pane.copy_text() is None  # nothing sampled yet
        await pilot.press("r", "f", "f", "f", "f", "f")
        assert pane.copy_text() == ("sampled names", "\n".join(LECTURE_NAMES))

    drive_sample(session, scenario)


def test_the_apps_order_reaches_the_pane(names_path):
    import asyncio

    async def main():
        app = make_app(names_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("4", "o")  # order 2 → 3
            pane = app.query_one(SamplePane)
            await until(pilot, lambda: pane.sampler.model.order == 3)
            assert "3-gram counts" in text_of(pane, "#sample-header")
            await pilot.press("f")
            assert pane.sampler.model.order == 3

    asyncio.run(main())


def test_a_split_that_cannot_be_read_leaves_the_names_unmarked(session, monkeypatch):
    from bigram_tui.core.session import Session

    def unreadable(self):
        raise OSError("names.txt: no longer readable")

    monkeypatch.setattr(Session, "word_split", unreadable)

    async def scenario(pilot, pane):
        await until(pilot, lambda: any(pilot.app._notifications))
        messages = [notice.message for notice in pilot.app._notifications]
        assert any("names stay unmarked" in m and "no longer readable" in m for m in messages)
        await pilot.press("r", "f")
        mark, _nll, name = history_lines(pane)[0].split()[1:]
        assert (mark, name) == ("·", "mor")

    drive_sample(session, scenario)
