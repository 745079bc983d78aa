"""The bigram samplers and the n-gram samplers at order 2 agree draw by draw, cut by cut.

Both are built on core.name_loop; these tests fail as soon as one of them steps, records,
cuts or resets differently from the other.
"""

from __future__ import annotations

import pytest
import torch

from bigram_tui.core.counts import BigramCounts
from bigram_tui.core.model import BigramModel, counts_model, uniform_model
from bigram_tui.core.neural import TrainingRun
from bigram_tui.core.ngram_model import BigramRows, NgramModel
from bigram_tui.core.ngram_sampling import NgramDraw, NgramSampler, sample_ngram_names
from bigram_tui.core.params import MAX_SEED, SAMPLERS
from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.core.sampling import DEFAULT_MAX_LENGTH, Draw, NameSampler, sample_names
from bigram_tui.core.vocab import Vocab

SEEDS = [0, 1, DEFAULT_SEED, MAX_SEED]
MAX_LENGTHS = [1, 2, 5, DEFAULT_MAX_LENGTH]
CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "zoe", "quinn", "jax"]


def same_tensor(a: torch.Tensor | None, b: torch.Tensor | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)


def assert_same_draw(ours: NgramDraw, theirs: Draw) -> None:
    assert ours.context == (theirs.context,)
    assert ours.chosen == theirs.chosen
    assert same_tensor(ours.uniforms, theirs.uniforms)  # u (classic) or the V uniforms (torch)
    assert same_tensor(ours.probs, theirs.probs) and same_tensor(ours.original, theirs.probs)
    assert same_tensor(ours.cumulative, theirs.cumulative)  # u's interval
    assert same_tensor(ours.race, theirs.race)


def assert_step_for_step(ours: NgramSampler, theirs: NameSampler, steps: int) -> int:
    """Step both `steps` times, comparing every draw and the state after it; names finished."""
    finished_names = 0
    for _ in range(steps):
        our_draw, our_name = ours.step()
        their_draw, their_name = theirs.step()
        assert_same_draw(our_draw, their_draw)
        assert our_name == their_name
        assert ours.current == theirs.current
        assert ours.context == (theirs.context,)
        finished_names += our_name is not None
    assert ours.history == theirs.history
    return finished_names


def endless_model() -> BigramModel:
    """'.' has probability zero after every token: only the maximum length ends a name."""
    probs = torch.tensor([[0.0, 0.5, 0.5]] * 3, dtype=torch.float64)
    return BigramModel("endless", Vocab(("a", "b")), probs)


def short_rows_model() -> BigramModel:
    """Rows summing below 1: a classic u past a row's end falls back to its last token."""
    probs = torch.tensor(
        [[0.0, 0.3, 0.2, 0.0], [0.1, 0.1, 0.0, 0.0], [0.25, 0.0, 0.25, 0.0], [1.0, 0, 0, 0]],
        dtype=torch.float64,
    )
    return BigramModel("short rows", Vocab(("a", "b", "c")), probs)


@pytest.fixture(scope="module")
def small_models() -> dict[str, BigramModel]:
    counts = BigramCounts.from_words(CORPUS)
    run = TrainingRun(counts, lr=50.0)
    run.run(5)
    return {
        "neural": run.model(),
        "uniform": uniform_model(counts.vocab),
        "endless": endless_model(),
        "short rows": short_rows_model(),
    }


@pytest.mark.parametrize("max_length", MAX_LENGTHS)
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("algorithm", SAMPLERS)
@pytest.mark.parametrize("k", [0, 1])
def test_names_txt_at_order_2_draws_as_the_bigram_sampler(
    ngram_counts_of, name_counts, k, algorithm, seed, max_length
):
    bigram, ngram = counts_model(name_counts, k), NgramModel(ngram_counts_of(2), k)
    theirs = NameSampler(bigram, algorithm, seed, max_length)
    ours = NgramSampler(ngram, algorithm, seed, max_length)
    names = assert_step_for_step(ours, theirs, 150)
    assert names >= 10
    if max_length < 5:
        assert any(name.cut for name in theirs.history)  # the cut-off was really compared
    batch = sample_names(bigram, names, algorithm=algorithm, seed=seed, max_length=max_length)
    assert batch == theirs.history
    assert (
        sample_ngram_names(ngram, names, algorithm=algorithm, seed=seed, max_length=max_length)
        == batch
    )


@pytest.mark.parametrize("max_length", [1, 3, 12])
@pytest.mark.parametrize("algorithm", SAMPLERS)
@pytest.mark.parametrize("name", ["neural", "uniform", "endless", "short rows"])
def test_any_bigram_model_draws_the_same_through_the_ngram_sampler(
    small_models, name, algorithm, max_length
):
    model = small_models[name]
    theirs = NameSampler(model, algorithm, 7, max_length)
    ours = NgramSampler(BigramRows(model), algorithm, 7, max_length)
    names = assert_step_for_step(ours, theirs, 200)
    if name == "endless":
        assert all(n.cut and len(n.text) == max_length for n in theirs.history)
    batch = sample_names(model, names, algorithm=algorithm, seed=7, max_length=max_length)
    assert batch == theirs.history
    assert (
        sample_ngram_names(
            BigramRows(model), names, algorithm=algorithm, seed=7, max_length=max_length
        )
        == batch
    )


def test_switching_algorithm_and_reseeding_keep_them_together(ngram_counts_of, name_counts):
    theirs = NameSampler(counts_model(name_counts), "classic", 3)
    ours = NgramSampler(NgramModel(ngram_counts_of(2)), "classic", 3)
    assert_step_for_step(ours, theirs, 13)
    for sampler in (ours, theirs):
        sampler.set_algorithm("torch")  # mid-name: the name carries on with the other draw
    assert_step_for_step(ours, theirs, 13)
    for sampler in (ours, theirs):
        sampler.reset(seed=11)
        assert sampler.history == [] and sampler.current == [] and sampler.seed == 11
    assert ours.context == (theirs.context,) == (0,)
    assert_step_for_step(ours, theirs, 40)
