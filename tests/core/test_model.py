"""The counts model of order n with add-k smoothing, and the uniform model: their rows."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.model import (
    CONTEXT_NEVER_SEEN,
    NEXT_NEVER_SEEN,
    SEEN,
    NgramModel,
    UniformModel,
    probs_matrix,
    smoothed_probs,
)
from bigram_tui.core.notebook import bigram_matrix
from bigram_tui.core.params import MAX_ORDER, check_smoothing
from bigram_tui.core.scoring import score_counts, score_word

from .helpers import SMALL_CORPUS

ORDERS = range(1, MAX_ORDER + 1)
CORPUS = SMALL_CORPUS  # the corpus of the counts_of fixture


@pytest.fixture(scope="module")
def counts(counts_of) -> NgramCounts:
    return counts_of(2)


def every_context(counts: NgramCounts) -> torch.Tensor:
    """Every context id of the order, seen or not (V^(n−1) of them: few, for CORPUS)."""
    return torch.arange(counts.vocab.size ** (counts.order - 1))


def all_rows(model: NgramModel | UniformModel) -> torch.Tensor:
    """P(· | context) for every context; at order 2 this is the lecture's matrix."""
    rows = model.next_probs(torch.arange(model.vocab.size ** (model.order - 1)))
    if model.order <= 2:
        assert torch.equal(rows, probs_matrix(model))
    return rows


def context_of(word: str, step: int, order: int) -> tuple[str, ...]:
    """The n−1 tokens before token `step` of the padded word."""
    padded = "." * (order - 1) + word + "."
    return tuple(padded[step : step + order - 1])


@pytest.mark.parametrize("order", ORDERS)
def test_unsmoothed_probs_are_normalised_counts(counts_of, order):
    counts = counts_of(order)
    model = NgramModel(counts)
    assert model.name == "counts"
    assert model.order == order and model.vocab == counts.vocab
    probs = model.next_probs(counts.contexts)
    assert probs.dtype == torch.float64
    dense = counts.dense_rows(torch.arange(len(counts.contexts)))
    assert torch.equal(probs, dense.double() / dense.sum(dim=1, keepdim=True))
    if order == 2:
        matrix = bigram_matrix(counts)
        expected = matrix.double() / matrix.sum(dim=1, keepdim=True)
        assert torch.equal(probs_matrix(model), expected)
        a = counts.vocab.stoi["a"]
        assert float(probs_matrix(model)[a, 0]) == 3 / 5  # a. ×3, av, an


@pytest.mark.parametrize("order", range(2, MAX_ORDER + 1))
def test_zero_probability_gives_minus_inf_log_prob(counts_of, order):
    counts = counts_of(order)
    model = NgramModel(counts, k=0)
    context = counts.encode_tokens(context_of("be", 1, order))  # 'b' was only ever followed by 'o'
    e = counts.vocab.stoi["e"]
    assert float(model.next_probs(torch.tensor([context]))[0, e]) == 0.0
    log_prob, reason = model.log_probs(torch.tensor([context]), torch.tensor([e]))
    assert float(log_prob) == -math.inf and int(reason) == NEXT_NEVER_SEEN
    if order == 2:
        b = counts.vocab.stoi["b"]
        assert float(probs_matrix(model)[b, e]) == 0.0
    score = score_word(model, "be")
    assert score.steps[1].log_prob == -math.inf
    assert score.log_likelihood == -math.inf
    assert score.nll == math.inf
    assert score.mean_nll == math.inf


@pytest.mark.parametrize("order", ORDERS)
def test_add_one_smoothing(counts_of, order):
    counts = counts_of(order)
    model = NgramModel(counts, k=1)
    assert model.name == "counts+1"
    size = counts.vocab.size
    context = context_of("be", 1, order)
    expected = (counts.count((*context, "e")) + 1) / (counts.context_total(context) + size)
    context_id = torch.tensor([counts.encode_tokens(context)])
    prob = float(model.next_probs(context_id)[0, counts.vocab.stoi["e"]])
    assert prob == pytest.approx(expected, rel=1e-15)
    if order == 2:
        b, e = counts.vocab.stoi["b"], counts.vocab.stoi["e"]
        row_total = int(bigram_matrix(counts)[b].sum())
        assert float(probs_matrix(model)[b, e]) == pytest.approx(1 / (row_total + size), rel=1e-15)
    assert bool((all_rows(model) > 0).all())
    assert math.isfinite(score_word(model, "be").log_likelihood)


@pytest.mark.parametrize("k", [0, 0.5, 1, 3, 100.0, 1e9])
@pytest.mark.parametrize("order", ORDERS)
def test_rows_sum_to_one(counts_of, order, k):
    counts = counts_of(order)
    model = NgramModel(counts, k)
    seen = model.next_probs(counts.contexts)
    ones = torch.ones(len(counts.contexts), dtype=torch.float64)
    assert torch.allclose(seen.sum(dim=1), ones)
    rows = all_rows(model)
    assert bool((rows >= 0).all())
    if k > 0:  # at k = 0 a context never seen has no distribution: a zero row
        assert torch.allclose(rows.sum(dim=1), torch.ones(len(rows), dtype=torch.float64))


def test_next_probs_rows_sum_to_one_on_names(ngram_counts_of):
    counts = ngram_counts_of(4)
    probs = NgramModel(counts, 0.1).next_probs(counts.contexts[:500])
    assert torch.allclose(probs.sum(dim=1), torch.ones(500, dtype=torch.float64))


@pytest.mark.parametrize("order", ORDERS)
def test_large_k_is_nearly_uniform(counts_of, order):
    counts = counts_of(order)
    size = counts.vocab.size
    probs = all_rows(NgramModel(counts, k=1e9))
    assert float((probs - 1 / size).abs().max()) < 1e-7
    assert float((all_rows(NgramModel(counts, k=1)) - 1 / size).abs().max()) > 0.1


@pytest.mark.parametrize("order", ORDERS)
def test_more_smoothing_flattens_every_row(counts_of, order):
    """The largest probability of each row the data shows falls as k grows."""
    counts = counts_of(order)
    peaks = [
        NgramModel(counts, k).next_probs(counts.contexts).max(dim=1).values
        for k in (0, 1, 10, 1000)
    ]
    for sharper, flatter in itertools.pairwise(peaks):
        assert bool((flatter < sharper).all())


@pytest.mark.parametrize("order", ORDERS)
def test_huge_finite_k_still_gives_a_distribution(counts_of, order):
    probs = all_rows(NgramModel(counts_of(order), k=1e308))
    assert torch.allclose(probs.sum(dim=1), torch.ones(len(probs), dtype=torch.float64))


@pytest.mark.parametrize("order", ORDERS)
def test_huge_finite_k_still_scores_finitely(counts_of, order):
    """log P at k = 1e308 is the log of that distribution's entries, never −inf."""
    counts = counts_of(order)
    model = NgramModel(counts, k=1e308)
    contexts = counts.ids.long() // counts.vocab.size
    log_probs, reasons = model.log_probs(contexts, counts.nexts)
    rows = model.next_probs(contexts)
    expected = rows.gather(1, counts.nexts.unsqueeze(1)).squeeze(1).log()
    assert torch.allclose(log_probs, expected)
    assert bool((reasons == SEEN).all())
    score = score_counts(model, counts)
    assert score.infinite == 0
    assert score.mean_nll == pytest.approx(math.log(counts.vocab.size))


@pytest.mark.parametrize("k", [-1, -1e-12, math.nan, math.inf, -math.inf, "1", None])
@pytest.mark.parametrize("order", ORDERS)
def test_invalid_k_raises(counts_of, order, k):
    with pytest.raises(ValueError, match="smoothing"):
        check_smoothing(k)
    with pytest.raises(ValueError):
        NgramModel(counts_of(order), k)
    if order == 2:
        with pytest.raises(ValueError):
            smoothed_probs(bigram_matrix(counts_of(2)), k)


def test_check_smoothing_returns_float():
    assert check_smoothing(2) == 2.0
    assert isinstance(check_smoothing(2), float)
    model = NgramModel(NgramCounts.from_words(CORPUS, 3), 2)
    assert isinstance(model.k, float) and model.name == "counts+2"


def test_empty_row_stays_zero_instead_of_nan():
    probs = smoothed_probs(torch.tensor([[0, 2], [0, 0]]), 0)
    assert probs.tolist() == [[0.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize("order", ORDERS)
def test_uniform_model(counts_of, order):
    counts = counts_of(order)
    model = UniformModel(counts.vocab, order)
    size = counts.vocab.size
    assert model.name == "uniform"
    assert model.vocab == counts.vocab and model.order == order
    rows = all_rows(model)
    assert torch.equal(rows, torch.full((len(rows), size), 1 / size, dtype=torch.float64))
    if order == 2:
        assert torch.equal(
            probs_matrix(model), torch.full((size, size), 1 / size, dtype=torch.float64)
        )
    score = score_word(model, "emma")
    assert score.mean_nll == pytest.approx(math.log(size), rel=1e-15)
    assert all(step.reason is None for step in score.steps)


def test_uniform_model_is_the_bigram_by_default(counts):
    assert UniformModel(counts.vocab).order == 2


@pytest.mark.parametrize("k", [0, 1, 0.25])
def test_order_2_is_the_lectures_bigram_model(ngram_counts_of, name_counts, k):
    """The lecture's matrix, (N + k) row-normalised, bit for bit, and its dataset score."""
    model = NgramModel(ngram_counts_of(2), k)
    matrix = bigram_matrix(name_counts)
    lecture = smoothed_probs(matrix, k)
    assert torch.equal(model.next_probs(torch.arange(27)), lecture)
    assert torch.equal(probs_matrix(model), lecture)
    observed = matrix > 0
    lecture_ll = float((matrix[observed].double() * lecture[observed].log()).sum())
    score = score_counts(model, ngram_counts_of(2))
    assert score.mean_nll == pytest.approx(-lecture_ll / name_counts.total, abs=1e-12)
    if k == 0:
        assert round(score.mean_nll, 6) == 2.454014


def test_a_model_of_order_3_has_no_single_matrix(ngram_counts_of):
    with pytest.raises(ValueError, match="order 3"):
        probs_matrix(NgramModel(ngram_counts_of(3)))
    assert probs_matrix(NgramModel(ngram_counts_of(1))).shape == (1, 27)


def test_smoothing_gives_an_unseen_context_the_uniform_distribution(ngram_counts_of):
    counts = ngram_counts_of(3)
    context = torch.tensor([counts.encode_tokens(("j", "q"))])
    assert not bool(NgramModel(counts).next_probs(context).any())
    _, reasons = NgramModel(counts).log_probs(context, torch.tensor([0]))
    assert int(reasons) == CONTEXT_NEVER_SEEN
    smoothed = NgramModel(counts, 0.5).next_probs(context)
    assert torch.allclose(smoothed, torch.full((1, 27), 1 / 27, dtype=torch.float64))
    _, reasons = NgramModel(counts, 0.5).log_probs(context, torch.tensor([0]))
    assert int(reasons) == SEEN
    row = score_word(NgramModel(counts, 0.5), "andrejq").steps[-1]
    assert row.log_prob == pytest.approx(-math.log(27)) and row.reason is None
