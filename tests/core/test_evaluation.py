"""The evaluation table on names.txt's split: the reference numbers, and why cells are inf."""

from __future__ import annotations

import math
import threading

import pytest

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.evaluation import ORDERS, Evaluation, order_table
from bigram_tui.core.model import NgramModel
from bigram_tui.core.params import ParameterError
from bigram_tui.core.scoring import Unseen, score_counts, unseen_in
from bigram_tui.core.split import split_words
from bigram_tui.core.sweeps import SweepCancelled, k_sweep
from bigram_tui.core.vocab import Vocab


@pytest.fixture(scope="module")
def evaluation(name_split):
    return Evaluation(name_split)


def means(row):
    return [round(part.mean_nll, 4) for part in row.parts]


@pytest.mark.parametrize(
    ("order", "k", "expected"),
    [
        (2, 1.0, [2.4548, 2.4533, 2.4584]),
        (3, 0.1, [2.1874, 2.2225, 2.2240]),
    ],
)
def test_rows_give_the_issues_reference_numbers(evaluation, order, k, expected):
    row = evaluation.row(order, k)
    assert (row.order, row.k) == (order, k)
    assert means(row) == expected
    for part in row.parts:
        assert part.perplexity == pytest.approx(math.exp(part.mean_nll))
        assert part.inf_reason() is None


def test_four_gram_at_k_point_one_on_dev_and_test(evaluation):
    row = evaluation.row(4, 0.1)
    assert (round(row.dev.mean_nll, 4), round(row.test.mean_nll, 4)) == (2.1018, 2.1044)


def test_the_trigram_at_k_zero_is_inf_on_dev_and_says_why(evaluation):
    row = evaluation.row(3, 0.0)
    assert math.isfinite(row.train.mean_nll)  # train never surprises itself
    assert row.dev.mean_nll == math.inf and row.dev.perplexity == math.inf
    unseen = row.dev.unseen
    assert unseen.contexts > 0 and unseen.ngrams > unseen.contexts
    # The issue's numbers: 137 dev examples (5 + 132) of 133 distinct n-grams, 5 contexts.
    assert unseen == Unseen(examples=137, ngrams=133, context_examples=5, contexts=5)
    assert (row.dev.score.unseen_context, row.dev.score.unseen_next) == (5, 132)
    reason = row.dev.inf_reason()
    assert (
        reason
        == unseen.describe("dev")
        == (
            f"{unseen.examples:,} dev examples ({unseen.ngrams:,} distinct n-grams) never seen "
            f"in train, {unseen.context_examples:,} of them in a context never seen"
        )
    )
    # Distinct n-grams and contexts, never more than the examples they cover.
    assert unseen.ngrams <= row.dev.score.infinite
    assert unseen.contexts <= row.dev.score.unseen_context


def test_unseen_counts_by_hand():
    vocab = Vocab.from_words(["ab"])
    split_train, split_dev = ["ab"], ["ba"]
    # Bigrams: train .a ab b. ; dev .b ba a. share no n-gram, but every context.
    train = NgramCounts.from_words(split_train, 2, vocab)
    dev = NgramCounts.from_words(split_dev, 2, vocab)
    assert unseen_in(train, dev) == Unseen(examples=3, ngrams=3, context_examples=0, contexts=0)
    # Trigram contexts: train .. .a ab ; dev .. .b ba: two never seen.
    train = NgramCounts.from_words(split_train, 3, vocab)
    dev = NgramCounts.from_words(split_dev, 3, vocab)
    # Examples: ..b .ba ba. all unseen, and .ba ba. in a context never seen.
    assert unseen_in(train, dev) == Unseen(examples=3, ngrams=3, context_examples=2, contexts=2)
    # Occurrences and distinct n-grams differ once an unseen n-gram repeats.
    twice = NgramCounts.from_words(["ba", "ba"], 3, vocab)
    assert unseen_in(train, twice) == Unseen(examples=6, ngrams=3, context_examples=4, contexts=2)


def test_a_reason_without_unseen_contexts_leaves_them_out(evaluation):
    row = evaluation.row(2, 0.0)
    assert row.dev.unseen.contexts == 0 and row.dev.unseen.context_examples == 0
    assert row.dev.inf_reason() == (
        f"{row.dev.unseen.examples:,} dev examples ({row.dev.unseen.ngrams:,} distinct n-grams) "
        "never seen in train"
    )
    assert row.dev.inf_reason() == "5 dev examples (5 distinct n-grams) never seen in train"


@pytest.mark.parametrize("order", ORDERS)
def test_unseen_examples_are_the_inf_examples_at_k_zero(evaluation, order):
    """At k = 0 the unseen occurrences are exactly the −inf examples, at every order."""
    row = evaluation.row(order, 0.0)
    assert row.train.unseen == Unseen(0, 0, 0, 0) and row.train.inf_reason() is None
    for part in (row.dev, row.test):
        unseen, score = part.unseen, part.score
        assert unseen.examples == score.infinite
        assert unseen.context_examples == score.unseen_context
        assert unseen.ngrams <= unseen.examples and unseen.contexts <= unseen.context_examples
        assert part.inf_reason() == (unseen.describe(part.part) or None)


def test_describe_says_one_and_nothing():
    assert Unseen(0, 0, 0, 0).describe("dev") == ""
    assert Unseen(1, 1, 1, 1).describe("test") == (
        "1 test example (1 distinct n-gram) never seen in train, 1 of them in a context never seen"
    )
    assert Unseen(1_234, 1_000, 0, 0).describe("dev") == (
        "1,234 dev examples (1,000 distinct n-grams) never seen in train"
    )


def test_the_table_has_every_order_and_matches_scoring_each(evaluation, split_counts_of):
    rows = evaluation.table(0.5)
    assert [row.order for row in rows] == list(ORDERS) == [1, 2, 3, 4, 5, 6]
    train, dev, _ = split_counts_of(3)
    assert rows[2].dev.mean_nll == score_counts(NgramModel(train, 0.5), dev).mean_nll


def test_order_table_is_the_evaluation_table():
    split = split_words(["emma", "olivia", "ava", "isabella", "sophia"] * 4, seed=1)
    rows = order_table(split, 1.0, orders=[1, 2])
    assert [row.order for row in rows] == [1, 2]
    assert means(rows[1]) == means(Evaluation(split).row(2, 1.0))


def test_counts_are_counted_once(evaluation):
    assert evaluation.counts(3) is evaluation.counts(3)


def test_a_bad_order_is_one_clear_error(evaluation):
    with pytest.raises(ParameterError, match="order: must be from 1 to 6"):
        evaluation.counts(7)


def test_the_table_reports_progress_and_can_be_cancelled(evaluation):
    calls = []
    evaluation.table(1.0, [1, 2], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SweepCancelled):
        evaluation.table(1.0, cancel=cancel)


def test_sweeps_use_the_split_counts(evaluation, split_counts_of):
    mine = evaluation.k_sweep(3)
    train, dev, test = split_counts_of(3)
    assert mine == k_sweep(train, dev, test)
    assert mine.dev_nll[0] == math.inf and 0 < mine.best_k < 1


def test_from_path_reads_and_splits(names_path):
    evaluation = Evaluation.from_path(names_path)
    assert evaluation.split.sizes == (25_626, 3_203, 3_204)


def test_the_default_k_sweep_of_an_order_is_made_once(name_split):
    from bigram_tui.core.evaluation import Evaluation

    evaluation = Evaluation(name_split)
    first = evaluation.k_sweep(2)
    assert evaluation.k_sweep(2) is first
    assert evaluation.k_sweep(2, ks=[0.0, 1.0]) is not first  # another grid is swept anew
