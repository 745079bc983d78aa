"""One net per order, one unseen count: the net trained in Train is the net Word, Counts and
Sample use at every order, and Evaluate says what the session says is unseen (issue 16)."""

from __future__ import annotations

import asyncio

import pytest
import torch

from bigram_tui.core.defaults import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.evaluate_pane import EvaluatePane
from bigram_tui.tui.app.heatmap import Heatmap

from .helpers import drive_pane, session_fixture, text_of, until, wait_until_loaded

EPOCHS = 3
split_session = session_fixture(notebook_sum=False, split=(0.8, 0.1, 0.1), split_seed=42)


@pytest.mark.parametrize("order", [1, 3, 5])
def test_the_net_trained_in_train_is_the_net_word_counts_and_sample_show(names_path, order):
    async def main():
        app = BigramApp(data=str(names_path), seed=DEFAULT_SEED, order=order)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            session = app.session
            await pilot.press("3")
            train = app.query_one("#train")
            await until(pilot, lambda: train.run.order == order and not train._preparing, 60)
            assert train.run.kind == "table"
            await pilot.press(*["n"] * EPOCHS)
            await until(pilot, lambda: session.run(order).epoch == EPOCHS)
            net = session.model("neural", order=order)
            start = net.next_probs(torch.zeros(1, dtype=torch.long))[0]  # after '.'…

            await pilot.press("2", "m")  # Word, scored by the net
            word = app.query_one("#word")
            await until(pilot, lambda: "W after 3 epochs" in text_of(word, "#word-settings"))
            [score] = session.score_words([word.word], net)
            reference = session.dataset_score(model=net, order=order)
            summary = text_of(word, "#word-summary")
            assert f"mean NLL        {score.mean_nll:.4f}" in summary
            assert f"dataset mean NLL {reference.mean_nll:.6f}" in summary
            table = text_of(word, "#word-table")
            assert all(f"{step.prob:8.4f}" in table for step in score.steps)

            await pilot.press("1", "v", "v", "v")  # Counts: exp(W) of the net
            counts = app.query_one("#counts")
            await until(pilot, lambda: counts.view == "neural" and counts._shown_order == order)
            counts.query_one(Heatmap).move_cursor(0, 1)  # row '.' (the start), column 'a'
            await pilot.pause()
            info = text_of(counts, "#cell-info")
            assert f"P net   {float(start[1]):.6f}" in info
            assert "W after 3 epochs" in text_of(counts, "#counts-title")

            await pilot.press("4", "m", "m")  # Sample: counts → smoothed → neural
            sample = app.query_one("#sample")
            await until(pilot, lambda: sample.model_kind == "neural")
            assert "(W after 3 epochs)" in text_of(sample, "#sample-header")
            await pilot.press("space")
            assert sample.last_draw is not None
            assert torch.equal(sample.last_draw.original, start)

    asyncio.run(main())


def test_evaluate_prints_the_sessions_unseen_counts(split_session):
    async def scenario(pilot, pane):
        for order in range(1, 6):
            pane.order = order
            await until(pilot, lambda: pane.rows is not None, 120)
            await pilot.pause()
            why = text_of(pane, "#eval-why")
            for part, unseen in split_session.unseen(order).items():
                phrase = unseen.describe(part)
                if phrase:
                    assert f"{part} inf: {phrase}" in why
                else:
                    assert f"{part} inf:" not in why

    drive_pane(EvaluatePane(), split_session, scenario, size=(120, 40))
