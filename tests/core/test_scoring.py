"""Scoring words and datasets with models of order n: reference NLLs, −inf reasons, the split."""

from __future__ import annotations

import math
import random

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.errors import NgramError, OutOfVocabulary
from bigram_tui.core.model import (
    CONTEXT_NEVER_SEEN,
    NEXT_NEVER_SEEN,
    REASONS,
    NgramModel,
    UniformModel,
)
from bigram_tui.core.params import MAX_ORDER
from bigram_tui.core.scoring import DatasetScore, score_counts, score_word, score_words
from bigram_tui.core.split import DEV_TEST, NEW, TRAIN, classify_names, split_words
from bigram_tui.core.vocab import Vocab

from .helpers import SMALL_CORPUS, MatrixModel

ORDERS = range(1, MAX_ORDER + 1)

ALPHABET = "abcxyzABZ019 -'éüßñ漢字😀👍🏽\u0301"
WORDS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=30)
POSITIVE_K = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
ANY_K = st.one_of(st.just(0.0), POSITIVE_K)

CORPUS = SMALL_CORPUS  # the corpus of the counts_of fixture


def padded_steps(word: str, order: int) -> list[tuple[tuple[str, ...], str]]:
    """(context, next) of each example of the word, as makemore pads it."""
    padded = "." * (order - 1) + word + "."
    return [(tuple(padded[i : i + order - 1]), padded[i + order - 1]) for i in range(len(word) + 1)]


# --- words ---------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_score_word_values(counts_of, order):
    counts = counts_of(order)
    model = NgramModel(counts)
    score = score_word(model, "ava")
    assert score.word == "ava"
    assert [(s.context, s.next) for s in score.steps] == padded_steps("ava", order)
    if order == 2:
        assert [(s.context, s.next) for s in score.steps] == [
            ((".",), "a"),
            (("a",), "v"),
            (("v",), "a"),
            (("a",), "."),
        ]
    stoi = counts.vocab.stoi
    for s in score.steps:
        row = model.next_probs(torch.tensor([counts.encode_tokens(s.context)]))[0]
        assert s.prob == pytest.approx(float(row[stoi[s.next]]), rel=1e-15)
        assert s.log_prob == pytest.approx(math.log(s.prob), rel=1e-15)
        assert s.reason is None
    assert score.log_likelihood == pytest.approx(sum(s.log_prob for s in score.steps))
    assert score.nll == -score.log_likelihood
    assert score.mean_nll == score.nll / 4
    assert score.perplexity == pytest.approx(math.exp(score.mean_nll))


@pytest.mark.parametrize("order", ORDERS)
def test_a_words_p_is_the_models_row_entry(counts_of, order):
    """P of a step is the entry of the row the model gives (the lecture's P[i, j]), exactly."""
    counts = counts_of(order)
    model = NgramModel(counts)
    for s in score_word(model, "ava").steps:
        row = model.next_probs(torch.tensor([counts.encode_tokens(s.context)]))[0]
        assert s.prob == float(row[counts.vocab.stoi[s.next]])


@pytest.mark.parametrize("order", range(2, MAX_ORDER + 1))
def test_score_empty_word_is_one_boundary_example(counts_of, order):
    """'' is one example, '.'s → '.', never seen in a corpus without empty words."""
    counts = counts_of(order)
    score = score_word(NgramModel(counts), "")
    assert [(s.context, s.next) for s in score.steps] == [((".",) * (order - 1), ".")]
    assert score.steps[0].prob == 0.0
    assert score.steps[0].reason == REASONS[NEXT_NEVER_SEEN]
    assert score.mean_nll == math.inf
    smoothed = score_word(NgramModel(counts, k=1), "")
    expected = 1 / (len(CORPUS) + counts.vocab.size)
    assert smoothed.steps[0].prob == pytest.approx(expected, rel=1e-15)
    assert smoothed.mean_nll == pytest.approx(-math.log(expected), rel=1e-12)


def test_the_empty_word_at_order_1_is_the_end_token(counts_of):
    counts = counts_of(1)
    score = score_word(NgramModel(counts), "")
    assert [(s.context, s.next) for s in score.steps] == [((), ".")]
    assert score.steps[0].prob == pytest.approx(len(CORPUS) / counts.total, rel=1e-15)


@pytest.mark.parametrize("order", ORDERS)
def test_out_of_vocabulary_positions(counts_of, order):
    model = NgramModel(counts_of(order), k=1)
    with pytest.raises(OutOfVocabulary) as info:
        score_word(model, "axb.z")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.word == "axb.z"
    assert error.positions == [1, 3, 4]
    assert str(error) == "not in the vocabulary: 'x' at 2, '.' at 4, 'z' at 5"


@pytest.mark.parametrize("order", ORDERS)
def test_out_of_vocabulary_message_is_capped(counts_of, order):
    with pytest.raises(OutOfVocabulary) as info:
        score_word(NgramModel(counts_of(order)), "qqqqqqqq")
    assert info.value.positions == list(range(8))
    assert str(info.value).endswith("and 3 more")
    assert "\n" not in str(info.value)


def test_out_of_vocabulary_word(ngram_counts_of):
    with pytest.raises(OutOfVocabulary):
        score_word(NgramModel(ngram_counts_of(3)), "ab3")


def test_hand_made_model_scores():
    vocab = Vocab(("a",))
    model = MatrixModel("coin", vocab, torch.tensor([[0.0, 1.0], [0.5, 0.5]], dtype=torch.float64))
    score = score_word(model, "aa")
    assert [s.prob for s in score.steps] == [1.0, 0.5, 0.5]
    assert score.nll == pytest.approx(2 * math.log(2), rel=1e-15)
    never = score_word(model, "")
    assert never.steps[0].prob == 0.0 and never.steps[0].reason == REASONS[NEXT_NEVER_SEEN]


def test_unseen_context_and_unseen_next_are_told_apart(ngram_counts_of):
    model = NgramModel(ngram_counts_of(3))
    score = score_word(model, "andrejq")
    last_two = score.steps[-2:]
    assert [s.reason for s in last_two] == [REASONS[NEXT_NEVER_SEEN], REASONS[CONTEXT_NEVER_SEEN]]
    assert all(s.log_prob == -math.inf and s.prob == 0 for s in last_two)
    assert all(s.reason is None for s in score.steps[:-2])
    assert score.steps[0].context == (".", ".") and score.steps[0].next == "a"
    assert score.log_likelihood == -math.inf and score.perplexity == math.inf
    assert len(score.steps) == len("andrejq") + 1


# --- datasets ------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 0.25])
@pytest.mark.parametrize("order", ORDERS)
def test_score_counts_is_the_sum_over_words(counts_of, order, k):
    counts = counts_of(order)
    model = NgramModel(counts, k)
    dataset = score_counts(model, counts)
    per_word = math.fsum(score_word(model, w).log_likelihood for w in CORPUS)
    assert dataset.log_likelihood == pytest.approx(per_word, rel=1e-12)
    assert dataset.examples == counts.total == sum(len(w) + 1 for w in CORPUS)
    assert dataset.mean_nll == dataset.nll / dataset.examples
    assert dataset.infinite == 0 and dataset.reasons() == {}
    assert score_words(model, CORPUS) == dataset


@pytest.mark.parametrize("order", ORDERS)
def test_score_counts_rejects_another_vocabulary(counts_of, order):
    other = UniformModel(Vocab(("a", "b")), order)
    with pytest.raises(ValueError, match="vocabular"):
        score_counts(other, counts_of(order))


@pytest.mark.parametrize("order", ORDERS)
def test_score_counts_rejects_another_order(counts_of, order):
    other = UniformModel(counts_of(order).vocab, order % MAX_ORDER + 1)
    with pytest.raises(NgramError, match="cannot score"):
        score_counts(other, counts_of(order))


REFERENCE = [(1, 0, 2.8227), (2, 0, 2.4540), (2, 1, 2.4546), (3, 0, 2.1857), (3, 1, 2.2126)]
REFERENCE += [(4, 0, 1.8842), (4, 1, 2.0891)]


@pytest.mark.parametrize(("order", "k", "nll"), REFERENCE)
def test_reference_nll_on_names(ngram_counts_of, order, k, nll):
    counts = ngram_counts_of(order)
    score = score_counts(NgramModel(counts, k), counts)
    assert round(score.mean_nll, 4) == nll
    assert score.examples == 228_146
    assert score.perplexity == pytest.approx(math.exp(score.mean_nll))


def test_perplexity_of_an_infinite_mean_is_inf():
    assert DatasetScore(-math.inf, 3, 1, 0).perplexity == math.inf
    assert DatasetScore(-1e6, 1).perplexity == math.inf  # exp(1e6) overflows


# --- hypothesis, at every order ------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=60, deadline=None)
@given(words=WORDS, k=POSITIVE_K, data=st.data())
def test_word_nll_is_finite_and_non_negative_when_smoothed(order, words, k, data):
    counts = NgramCounts.from_words(words, order)
    model = NgramModel(counts, k)
    word = data.draw(st.text(alphabet=st.sampled_from(counts.vocab.chars), max_size=10))
    score = score_word(model, word)
    assert len(score.steps) == len(word) + 1
    assert math.isfinite(score.nll)
    assert score.nll >= 0
    assert score.mean_nll >= 0


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=60, deadline=None)
@given(words=WORDS, k=ANY_K)
def test_dataset_nll_non_negative_and_minimal_unsmoothed(order, words, k):
    """NLL ≥ 0, and k = 0 (the maximum-likelihood estimate) never scores worse than k > 0."""
    counts = NgramCounts.from_words(words, order)
    score = score_counts(NgramModel(counts, k), counts)
    best = score_counts(NgramModel(counts, 0), counts)
    assert math.isfinite(score.nll)
    assert score.nll >= 0
    assert best.mean_nll <= score.mean_nll + 1e-12
    assert best.mean_nll <= math.log(counts.vocab.size) + 1e-12


# --- the split -----------------------------------------------------------------------------


def test_split_is_the_lectures(names, name_split):
    words = list(names)
    random.seed(42)
    random.shuffle(words)
    n = len(words)
    assert name_split.train == tuple(words[: int(0.8 * n)])
    assert name_split.dev == tuple(words[int(0.8 * n) : int(0.9 * n)])
    assert name_split.test == tuple(words[int(0.9 * n) :])
    assert name_split.sizes == (25_626, 3_203, 3_204)
    assert name_split.vocab.size == 27


def test_split_with_other_fractions_is_cumulative(names):
    split = split_words(names, (0.5, 0.25, 0.25), seed=1)
    n = len(names)
    assert split.sizes == (int(0.5 * n), int(0.75 * n) - int(0.5 * n), n - int(0.75 * n))
    with pytest.raises(ValueError):
        split_words(names, (0.5, 0.5, 0.5))


SPLIT_REFERENCE = [
    (2, 1.0, (2.4548, 2.4533, 2.4584)),
    (3, 0.1, (2.1874, 2.2225, 2.2240)),
    (4, 0.1, (None, 2.1018, 2.1044)),
]


@pytest.mark.parametrize(("order", "k", "expected"), SPLIT_REFERENCE)
def test_split_reference_nll(split_counts_of, order, k, expected):
    train, dev, test = split_counts_of(order)
    model = NgramModel(train, k)
    for part, nll in zip((train, dev, test), expected):
        if nll is not None:
            assert round(score_counts(model, part).mean_nll, 4) == nll


def test_trigram_at_k0_on_dev_is_inf_and_says_why(split_counts_of, name_split):
    train, dev, _ = split_counts_of(3)
    score = score_counts(NgramModel(train), dev)
    assert score.mean_nll == math.inf and score.perplexity == math.inf
    assert score.infinite == score.unseen_context + score.unseen_next > 0
    assert score.reasons() == {
        REASONS[CONTEXT_NEVER_SEEN]: score.unseen_context,
        REASONS[NEXT_NEVER_SEEN]: score.unseen_next,
    }
    # The same count, one word at a time.
    model = NgramModel(train)
    rows = [s for w in name_split.dev for s in score_word(model, w).steps]
    assert sum(s.reason == REASONS[CONTEXT_NEVER_SEEN] for s in rows) == score.unseen_context
    assert sum(s.reason == REASONS[NEXT_NEVER_SEEN] for s in rows) == score.unseen_next
    assert score_words(model, name_split.dev) == score


def test_classify_names(name_split):
    names = [name_split.train[0], name_split.dev[0], name_split.test[0], "qqqzx"]
    assert classify_names(names, name_split) == [TRAIN, DEV_TEST, DEV_TEST, NEW]
