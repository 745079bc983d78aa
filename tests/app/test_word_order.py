"""The Word pane at order n: context → next, P, log P and why any step is −inf."""

from __future__ import annotations

import math

import pytest

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.model import NgramModel
from bigram_tui.core.scoring import score_word
from bigram_tui.tui.app.word_pane import WordPane

from .helpers import LECTURE_SEED, HeldCounting, drive_pane, session_fixture, text_of, until

session = session_fixture(seed=LECTURE_SEED)


async def at_order(pilot, pane: WordPane, order: int) -> None:
    pane.use_order(order)
    await until(pilot, lambda: "counting" not in text_of(pane, "#word-table"))
    await pilot.pause()


def rows_of(pane: WordPane) -> list[list[str]]:
    """The table's example rows, split on whitespace (the header and notes left out)."""
    return [line.split() for line in text_of(pane, "#word-table").splitlines() if " → " in line][1:]


def test_trigram_rows_show_context_next_and_the_reasons(session):
    counts = NgramCounts.from_path(session.data_path, 3, vocab=session.vocab)
    expected = score_word(NgramModel(counts, 0.0), "andrejq").steps

    async def scenario(pilot, pane):
        await at_order(pilot, pane, 3)
        rows = rows_of(pane)
        assert [row[:3] for row in rows[:3]] == [
            ["..", "→", "a"],
            [".a", "→", "n"],
            ["an", "→", "d"],
        ]
        assert rows[0][3:5] == [f"{expected[0].prob:.4f}", f"{expected[0].log_prob:.4f}"]
        table = text_of(pane, "#word-table")
        # −inf draws the full red bar, as at order 2; each reason is said below the table.
        assert "ej → q   0.0000      -inf  ████████████████ ∞" in table
        assert "jq → .   0.0000      -inf  ████████████████ ∞" in table
        assert "'q' after 'ej': next token never seen after this context." in table
        assert "'.' after 'jq': context never seen." in table
        # Every row fits the 80-column pane beside its scrollbar: none wraps.
        region = pane.query_one("#word-table").content_region
        assert max(len(line) for line in table.splitlines() if " → " in line) <= region.width
        summary = text_of(pane, "#word-summary")
        assert "mean NLL        inf   over 8 trigrams" in summary
        assert "dataset mean NLL 2.185743" in summary  # the issue's 2.1857
        assert "trigram" in text_of(pane, "#word-settings")

    drive_pane(WordPane(), session, scenario, size=(80, 24))


@pytest.mark.parametrize(
    ("order", "presses", "dataset"),
    [(1, [], "2.8227"), (3, ["plus"] * 4, "2.2126"), (4, ["plus"] * 4, "2.0891")],
)
def test_dataset_nll_is_the_issues_reference(session, order, presses, dataset):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, order)
        await pilot.press(*presses)
        summary = text_of(pane, "#word-summary")
        shown = summary.split("dataset mean NLL ")[1].split()[0]
        assert f"{float(shown):.4f}" == dataset
        if presses:  # k = 1 leaves no step impossible
            assert "-inf" not in text_of(pane, "#word-table")
            assert math.isfinite(float(summary.split("mean NLL")[1].split()[0]))

    drive_pane(WordPane(), session, scenario, size=(80, 24))


def test_back_at_order_two_the_lecture_numbers_return(session):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 3)
        await at_order(pilot, pane, 2)
        table = text_of(pane, "#word-table")
        assert "jq" in table and "-inf" in table and "never occurs in the data" in table
        assert "context never seen" not in table
        await pilot.press("plus", "plus", "plus", "plus")  # k = 1
        assert "mean NLL        3.4834" in text_of(pane, "#word-summary")

    drive_pane(WordPane(), session, scenario, size=(80, 24))


def test_the_net_scores_the_word_at_another_order_too(session):
    async def scenario(pilot, pane):
        await pilot.press("m")
        await at_order(pilot, pane, 3)
        table = text_of(pane, "#word-table")
        # The order's net (the one Train trains), context by context: no refusal.
        assert "The net is a bigram" not in table and "ej → q" in table
        assert "neural net, W untrained, trigram" in text_of(pane, "#word-settings")
        await pilot.press("m")
        assert "ej → q" in text_of(pane, "#word-table")

    drive_pane(WordPane(), session, scenario, size=(80, 24))


def test_word_counts_off_the_ui_thread_with_a_note(session, monkeypatch):
    counting = HeldCounting(monkeypatch)

    async def scenario(pilot, pane):
        await counting.switch_order(pilot, pane, 5, "#word-table")
        await until(pilot, lambda: "rejq → ." in text_of(pane, "#word-table"))

    from bigram_tui.core.session import Session

    drive_pane(WordPane(), Session.load(session.data_path), scenario, size=(80, 24))


# Issue 10 items on the Word pane -----------------------------------------------------


def test_walkthrough_title_names_the_model_in_use(session):
    async def scenario(pilot, pane):
        await pilot.press("w")
        title = text_of(pane, "#word-table").splitlines()[0]
        assert "counts model, k = 0" in title and "net" not in title
        await pilot.press("m")
        assert "The net's forward pass" in text_of(pane, "#word-table").splitlines()[0]

    drive_pane(WordPane(), session, scenario, size=(120, 40))


def test_neural_comparison_is_the_nets_own_dataset_nll(session):
    async def scenario(pilot, pane):
        await pilot.press("m")
        summary = text_of(pane, "#word-summary")
        net = session.dataset_score(model=session.model("neural")).mean_nll
        assert f"dataset mean NLL {net:.6f}  (neural net, W untrained" in summary
        assert "counts model" not in summary and "2.454014" not in summary

    drive_pane(WordPane(), session, scenario, size=(120, 40))


def test_footer_offers_only_the_keys_that_work_while_typing(names_path):
    from bigram_tui.tui.app.footer import KeyFooter

    from .helpers import run_on_pane

    async def scenario(app, pilot, pane):
        def footer() -> str:
            return str(app.query_one(KeyFooter).render())

        assert "k+" in footer() and "Edit word" in footer() and "Leave field" not in footer()
        await pilot.press("e")
        await until(pilot, lambda: "Leave field" in footer())
        for typed in ("Edit word", "k+", "k−", "Model", "Order", "Help", "Quit"):
            assert typed not in footer()
        await pilot.press("o")  # typed into the word, not the order
        assert pane.word.endswith("o") and app.order == 2
        await pilot.press("escape")
        await until(pilot, lambda: "k+" in footer() and "Leave field" not in footer())

    run_on_pane(names_path, "2", scenario, size=(80, 24))


def test_word_and_evaluate_step_k_on_one_ladder():
    """Issue 18.14: + and − walk the same k in Word and Evaluate."""
    from bigram_tui.tui.app.pane import K_STEPS, next_k

    walked = [0.0]
    while walked[-1] != K_STEPS[-1]:
        walked.append(next_k(walked[-1], +1))
    assert tuple(walked) == K_STEPS
    assert next_k(0.3, -1) == 0.1 and next_k(0.3, +1) == 0.5  # from an applied k between
    assert next_k(0.0, -1) == 0.0 and next_k(1000.0, +1) == 1000.0
    import bigram_tui.tui.app.evaluate_pane as evaluate
    import bigram_tui.tui.app.word_pane as word

    assert evaluate.next_k is next_k and word.next_k is next_k
