"""One split for the whole app: Evaluate's table, Sample's name marks and Train's dev curve
all use the session's WordSplit, read from the words file once and counted once per order."""

from __future__ import annotations

import asyncio

from bigram_tui.core import data as core_data
from bigram_tui.core import evaluation as core_evaluation
from bigram_tui.tui.app.evaluate_pane import EvaluatePane
from bigram_tui.tui.app.sample_history import NameHistory
from bigram_tui.tui.app.train_pane import TrainPane

from .helpers import make_app, until, wait_until_loaded


def test_every_pane_gets_the_sessions_one_split(names_path, monkeypatch):
    reads: list[str] = []
    counted: list[tuple[object, int]] = []  # (split, order) of every count of a split's parts
    tables: list[object] = []  # the split each Evaluate table was scored on
    read_words, count_split = core_data.read_words, core_evaluation.count_split
    table = core_evaluation.Evaluation.table

    def reading(path):
        reads.append(str(path))
        return read_words(path)

    def counting(split, order):
        counted.append((split, order))
        return count_split(split, order)

    def scoring(self, *args, **kwargs):
        tables.append(self.split)
        return table(self, *args, **kwargs)

    monkeypatch.setattr(core_data, "read_words", reading)
    monkeypatch.setattr(core_evaluation, "count_split", counting)
    monkeypatch.setattr(core_evaluation.Evaluation, "table", scoring)

    async def main():
        app = make_app(names_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("5")
            evaluate = app.query_one(EvaluatePane)
            await until(pilot, lambda: evaluate.rows is not None, timeout=60)
            await pilot.press("4")
            history = app.query_one(NameHistory)
            await until(pilot, lambda: history.split is not None)
            await pilot.press("3", "d")
            train = app.query_one(TrainPane)
            await until(pilot, lambda: train.setup.split and not train._preparing)
            await pilot.press("n")
            await until(pilot, lambda: len(train.run.dev_losses) == 1)

            assert reads == [str(names_path)]  # one read of the file for all three panes
            split = tables[0]
            assert all(scored is split for scored in tables) and history.split is split
            assert {id(s) for s, _ in counted} == {id(split)}
            orders = [order for _, order in counted]
            assert sorted(orders) == [1, 2, 3, 4, 5, 6]  # order 2 counted for Evaluate and Train
            assert app.session.word_split() is split
            assert train.run.dev is app.session.evaluation().counts(2)[1]

    asyncio.run(main())
