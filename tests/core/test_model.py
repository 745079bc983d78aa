"""Smoothed count models, the uniform model, and scoring words and datasets with them."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bigram_tui.core.counts import BigramCounts
from bigram_tui.core.model import (
    BigramModel,
    counts_model,
    smoothed_probs,
    uniform_model,
)
from bigram_tui.core.params import check_smoothing
from bigram_tui.core.scoring import OutOfVocabulary, score_dataset, score_word
from bigram_tui.core.vocab import Vocab

ALPHABET = "abcxyzABZ019 -'éüßñ漢字😀👍🏽\u0301"
WORDS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=30)
POSITIVE_K = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
ANY_K = st.one_of(st.just(0.0), POSITIVE_K)

CORPUS = ["emma", "ava", "anna", "bob"]


@pytest.fixture(scope="module")
def counts() -> BigramCounts:
    return BigramCounts.from_words(CORPUS)


def test_unsmoothed_probs_are_normalised_counts(counts):
    model = counts_model(counts)
    assert model.name == "counts"
    assert model.probs.dtype == torch.float64
    expected = counts.counts.double() / counts.counts.sum(dim=1, keepdim=True)
    assert torch.equal(model.probs, expected)
    a = counts.vocab.stoi["a"]
    assert float(model.probs[a, 0]) == 3 / 5  # a. ×3, av, an


def test_zero_probability_gives_minus_inf_log_prob(counts):
    model = counts_model(counts, k=0)
    b, e = counts.vocab.stoi["b"], counts.vocab.stoi["e"]
    assert float(model.probs[b, e]) == 0.0
    assert float(model.log_probs[b, e]) == -math.inf
    score = score_word(model, "be")
    assert score.bigrams[1].log_prob == -math.inf
    assert score.log_likelihood == -math.inf
    assert score.nll == math.inf
    assert score.mean_nll == math.inf


def test_add_one_smoothing(counts):
    model = counts_model(counts, k=1)
    assert model.name == "counts+1"
    size = counts.vocab.size
    b, e = counts.vocab.stoi["b"], counts.vocab.stoi["e"]
    row_total = int(counts.counts[b].sum())
    assert float(model.probs[b, e]) == pytest.approx(1 / (row_total + size), rel=1e-15)
    assert bool((model.probs > 0).all())
    assert math.isfinite(score_word(model, "be").log_likelihood)


@pytest.mark.parametrize("k", [0, 0.5, 1, 3, 100.0, 1e9])
def test_rows_sum_to_one(counts, k):
    probs = counts_model(counts, k).probs
    assert torch.allclose(probs.sum(dim=1), torch.ones(counts.vocab.size, dtype=torch.float64))
    assert bool((probs >= 0).all())


def test_large_k_is_nearly_uniform(counts):
    size = counts.vocab.size
    probs = counts_model(counts, k=1e9).probs
    assert float((probs - 1 / size).abs().max()) < 1e-7
    assert float((counts_model(counts, k=1).probs - 1 / size).abs().max()) > 0.1


def test_more_smoothing_flattens_every_row(counts):
    """The largest probability of each row falls as k grows."""
    peaks = [counts_model(counts, k).probs.max(dim=1).values for k in (0, 1, 10, 1000)]
    for sharper, flatter in itertools.pairwise(peaks):
        assert bool((flatter < sharper).all())


def test_huge_finite_k_still_gives_a_distribution(counts):
    probs = counts_model(counts, k=1e308).probs
    assert torch.allclose(probs.sum(dim=1), torch.ones(counts.vocab.size, dtype=torch.float64))


@pytest.mark.parametrize("k", [-1, -1e-12, math.nan, math.inf, -math.inf, "1", None])
def test_invalid_k_raises(counts, k):
    with pytest.raises(ValueError, match="smoothing"):
        check_smoothing(k)
    with pytest.raises(ValueError):
        counts_model(counts, k)
    with pytest.raises(ValueError):
        smoothed_probs(counts.counts, k)


def test_check_smoothing_returns_float():
    assert check_smoothing(2) == 2.0
    assert isinstance(check_smoothing(2), float)


def test_empty_row_stays_zero_instead_of_nan():
    probs = smoothed_probs(torch.tensor([[0, 2], [0, 0]]), 0)
    assert probs.tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_uniform_model(counts):
    model = uniform_model(counts.vocab)
    size = counts.vocab.size
    assert model.name == "uniform"
    assert model.vocab == counts.vocab
    assert torch.equal(model.probs, torch.full((size, size), 1 / size, dtype=torch.float64))
    score = score_word(model, "emma")
    assert score.mean_nll == pytest.approx(math.log(size), rel=1e-15)


def test_score_word_values(counts):
    model = counts_model(counts)
    score = score_word(model, "ava")
    assert score.word == "ava"
    assert [(b.first, b.second) for b in score.bigrams] == [
        (".", "a"),
        ("a", "v"),
        ("v", "a"),
        ("a", "."),
    ]
    stoi = counts.vocab.stoi
    for b in score.bigrams:
        assert b.prob == float(model.probs[stoi[b.first], stoi[b.second]])
        assert b.log_prob == pytest.approx(math.log(b.prob), rel=1e-15)
    assert score.log_likelihood == pytest.approx(sum(b.log_prob for b in score.bigrams))
    assert score.nll == -score.log_likelihood
    assert score.mean_nll == score.nll / 4


def test_score_empty_word_is_one_boundary_bigram(counts):
    """'' is '..': one bigram, never seen in a corpus without empty words."""
    score = score_word(counts_model(counts), "")
    assert [(b.first, b.second) for b in score.bigrams] == [(".", ".")]
    assert score.bigrams[0].prob == 0.0
    assert score.mean_nll == math.inf
    smoothed = score_word(counts_model(counts, k=1), "")
    expected = 1 / (len(CORPUS) + counts.vocab.size)
    assert smoothed.bigrams[0].prob == pytest.approx(expected, rel=1e-15)
    assert smoothed.mean_nll == pytest.approx(-math.log(expected), rel=1e-12)


def test_out_of_vocabulary_positions(counts):
    model = counts_model(counts, k=1)
    with pytest.raises(OutOfVocabulary) as info:
        score_word(model, "axb.z")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.word == "axb.z"
    assert error.positions == [1, 3, 4]
    assert str(error) == "not in the vocabulary: 'x' at 2, '.' at 4, 'z' at 5"


def test_out_of_vocabulary_message_is_capped(counts):
    with pytest.raises(OutOfVocabulary) as info:
        score_word(counts_model(counts), "qqqqqqqq")
    assert info.value.positions == list(range(8))
    assert str(info.value).endswith("and 3 more")
    assert "\n" not in str(info.value)


def test_score_dataset_is_the_sum_over_words(counts):
    for k in (0, 1, 0.25):
        model = counts_model(counts, k)
        dataset = score_dataset(model, counts)
        per_word = math.fsum(score_word(model, w).log_likelihood for w in CORPUS)
        assert dataset.log_likelihood == pytest.approx(per_word, rel=1e-12)
        assert dataset.bigrams == counts.total == sum(len(w) + 1 for w in CORPUS)
        assert dataset.mean_nll == dataset.nll / dataset.bigrams


def test_score_dataset_rejects_another_vocabulary(counts):
    other = uniform_model(Vocab(("a", "b")))
    with pytest.raises(ValueError, match="vocabular"):
        score_dataset(other, counts)


def test_hand_made_model_scores():
    vocab = Vocab(("a",))
    model = BigramModel("coin", vocab, torch.tensor([[0.0, 1.0], [0.5, 0.5]], dtype=torch.float64))
    score = score_word(model, "aa")
    assert [b.prob for b in score.bigrams] == [1.0, 0.5, 0.5]
    assert score.nll == pytest.approx(2 * math.log(2), rel=1e-15)


@settings(max_examples=60, deadline=None)
@given(WORDS, POSITIVE_K, st.data())
def test_word_nll_is_finite_and_non_negative_when_smoothed(words, k, data):
    counts = BigramCounts.from_words(words)
    model = counts_model(counts, k)
    word = data.draw(st.text(alphabet=st.sampled_from(counts.vocab.chars), max_size=10))
    score = score_word(model, word)
    assert len(score.bigrams) == len(word) + 1
    assert math.isfinite(score.nll)
    assert score.nll >= 0
    assert score.mean_nll >= 0


@settings(max_examples=60, deadline=None)
@given(WORDS, ANY_K)
def test_dataset_nll_non_negative_and_minimal_unsmoothed(words, k):
    """NLL ≥ 0, and k = 0 (the maximum-likelihood estimate) never scores worse than k > 0."""
    counts = BigramCounts.from_words(words)
    score = score_dataset(counts_model(counts, k), counts)
    best = score_dataset(counts_model(counts, 0), counts)
    assert math.isfinite(score.nll)
    assert score.nll >= 0
    assert best.mean_nll <= score.mean_nll + 1e-12
    assert best.mean_nll <= math.log(counts.vocab.size) + 1e-12
