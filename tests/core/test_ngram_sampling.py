"""Sampling at order n: bit-identical to the bigram samplers at n=2, temperature, top-k."""

from __future__ import annotations

import pytest
import torch

from bigram_tui.core.model import counts_model
from bigram_tui.core.ngram_counts import NgramError
from bigram_tui.core.ngram_model import NgramModel
from bigram_tui.core.ngram_neural import NgramTrainingRun
from bigram_tui.core.ngram_sampling import NgramSampler, sample_ngram_names
from bigram_tui.core.sampling import NameSampler, sample_names
from bigram_tui.core.shaping import shape_probs, top_k_mask
from bigram_tui.core.split import classify_names

LECTURE = ["mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie"]


@pytest.mark.parametrize("algorithm", ["classic", "torch"])
@pytest.mark.parametrize("k", [0, 1])
def test_order_2_is_bit_identical_to_the_bigram_samplers(
    ngram_counts_of, name_counts, algorithm, k
):
    ours, theirs = NgramModel(ngram_counts_of(2), k), counts_model(name_counts, k)
    expected = sample_names(theirs, 200, algorithm=algorithm)
    assert sample_ngram_names(ours, 200, algorithm=algorithm) == expected
    stepwise, reference = NgramSampler(ours, algorithm), NameSampler(theirs, algorithm)
    for _ in range(30):
        ours_draws, name = stepwise.finish_name()
        their_draws, their_name = reference.finish_name()
        assert name == their_name
        for a, b in zip(ours_draws, their_draws, strict=True):
            assert a.chosen == b.chosen and torch.equal(a.uniforms, b.uniforms)
            assert torch.equal(a.probs, b.probs) and torch.equal(a.original, b.probs)
    if algorithm == "classic" and k == 0:
        assert [n.text for n in expected[:5]] == LECTURE


@pytest.mark.parametrize("order", [1, 3, 5])
@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.6, None), (1.5, 4), (1.0, 1)])
def test_stepwise_equals_batch(ngram_counts_of, order, temperature, top_k):
    model = NgramModel(ngram_counts_of(order), 0.1 if order == 5 else 0)
    for algorithm in ("classic", "torch"):
        batch = sample_ngram_names(
            model, 60, algorithm=algorithm, seed=5, temperature=temperature, top_k=top_k
        )
        sampler = NgramSampler(model, algorithm, 5, temperature=temperature, top_k=top_k)
        assert [sampler.finish_name()[1] for _ in range(60)] == batch


def test_draw_records_the_context_and_both_distributions(ngram_counts_of):
    model = NgramModel(ngram_counts_of(3))
    sampler = NgramSampler(model, temperature=0.5, top_k=3)
    draw, _ = sampler.step()
    assert draw.context == (0, 0)
    assert torch.equal(draw.original, model.next_probs(torch.tensor([0]))[0])
    assert int((draw.probs > 0).sum()) == 3
    assert torch.equal(draw.probs, shape_probs(draw.original.unsqueeze(0), 0.5, 3)[0])
    second, _ = sampler.step()
    assert second.context == (0, draw.chosen)


def test_top_1_is_greedy_and_deterministic(ngram_counts_of):
    model = NgramModel(ngram_counts_of(4))
    names = {n.text for n in sample_ngram_names(model, 5, top_k=1, seed=1)}
    names |= {n.text for n in sample_ngram_names(model, 5, top_k=1, seed=2)}
    assert len(names) == 1


def test_temperature_and_top_k_shapes():
    p = torch.tensor([[0.1, 0.3, 0.3, 0.2, 0.1, 0.0]], dtype=torch.float64)
    assert shape_probs(p) is p
    assert top_k_mask(p, 2).tolist() == [[False, True, True, False, False, False]]
    assert top_k_mask(p, 4).tolist() == [[True, True, True, True, False, False]]  # tie → 0
    half = shape_probs(p, 0.5)
    expected = p**2 / (p**2).sum()
    assert torch.allclose(half, expected)
    assert torch.allclose(shape_probs(p, 1e-6), torch.tensor([[0, 0.5, 0.5, 0, 0, 0.0]]).double())
    hot = shape_probs(p, 1e6)
    assert torch.allclose(hot[0, :5], torch.full((5,), 0.2, dtype=torch.float64), atol=1e-5)
    assert hot[0, 5] == 0
    for bad in (0, -1, float("inf"), float("nan")):
        with pytest.raises(ValueError):
            shape_probs(p, bad)
    with pytest.raises(ValueError):
        shape_probs(p, top_k=0)


def test_sampling_from_a_neural_net_of_order_3(ngram_counts_of):
    run = NgramTrainingRun(ngram_counts_of(3), "linear")
    run.run(5)
    names = sample_ngram_names(run.model(), 10)
    assert len(names) == 10


def test_an_unseen_context_cannot_be_sampled_at_k0(ngram_counts_of):
    model = NgramModel(ngram_counts_of(3))
    sampler = NgramSampler(model)
    sampler.context = (model.vocab.stoi["j"], model.vocab.stoi["q"])
    with pytest.raises(NgramError, match="never seen"):
        sampler.step()


def test_sampled_names_are_classified(name_split, split_counts_of):
    train, _, _ = split_counts_of(3)
    names = [n.text for n in sample_ngram_names(NgramModel(train, 0.1), 300)]
    kinds = classify_names(names, name_split)
    assert set(kinds) <= {"train", "dev/test", "new"}
    assert "train" in kinds and "new" in kinds
