"""The add-k counts model of order n: reference NLLs, −inf reasons, word rows, the split."""

from __future__ import annotations

import math
import random

import pytest
import torch

from bigram_tui.core.model import counts_model
from bigram_tui.core.ngram_model import (
    CONTEXT_NEVER_SEEN,
    NEXT_NEVER_SEEN,
    REASONS,
    NgramModel,
    score_counts,
    score_word,
    score_words,
)
from bigram_tui.core.scoring import OutOfVocabulary, score_dataset
from bigram_tui.core.split import DEV_TEST, NEW, TRAIN, classify_names, split_words

REFERENCE = [(1, 0, 2.8227), (2, 0, 2.4540), (2, 1, 2.4546), (3, 0, 2.1857), (3, 1, 2.2126)]
REFERENCE += [(4, 0, 1.8842), (4, 1, 2.0891)]


@pytest.mark.parametrize(("order", "k", "nll"), REFERENCE)
def test_reference_nll_on_names(ngram_counts_of, order, k, nll):
    counts = ngram_counts_of(order)
    score = score_counts(NgramModel(counts, k), counts)
    assert round(score.mean_nll, 4) == nll
    assert score.examples == 228_146
    assert score.perplexity == pytest.approx(math.exp(score.mean_nll))


@pytest.mark.parametrize("k", [0, 1, 0.25])
def test_order_2_is_the_bigram_model(ngram_counts_of, name_counts, k):
    model = NgramModel(ngram_counts_of(2), k)
    bigram = counts_model(name_counts, k)
    # The same formula, so the same probabilities bit for bit.
    assert torch.equal(model.next_probs(torch.arange(27)), bigram.probs)
    score = score_counts(model, ngram_counts_of(2))
    assert score.mean_nll == pytest.approx(score_dataset(bigram, name_counts).mean_nll, abs=1e-12)
    if k == 0:
        assert round(score.mean_nll, 6) == 2.454014


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


def test_smoothing_gives_an_unseen_context_the_uniform_distribution(ngram_counts_of):
    counts = ngram_counts_of(3)
    context = torch.tensor([counts.encode_tokens(("j", "q"))])
    assert not bool(NgramModel(counts).next_probs(context).any())
    smoothed = NgramModel(counts, 0.5).next_probs(context)
    assert torch.allclose(smoothed, torch.full((1, 27), 1 / 27, dtype=torch.float64))
    row = score_word(NgramModel(counts, 0.5), "andrejq").steps[-1]
    assert row.log_prob == pytest.approx(-math.log(27)) and row.reason is None


def test_next_probs_rows_sum_to_one(ngram_counts_of):
    counts = ngram_counts_of(4)
    probs = NgramModel(counts, 0.1).next_probs(counts.contexts[:500])
    assert torch.allclose(probs.sum(dim=1), torch.ones(500, dtype=torch.float64))


def test_out_of_vocabulary_word(ngram_counts_of):
    with pytest.raises(OutOfVocabulary):
        score_word(NgramModel(ngram_counts_of(3)), "ab3")


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
