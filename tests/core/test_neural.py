"""The one-hot neural bigram: the step-wise training API, its gradient, divergence, threads."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch

from bigram_tui.core.counts import BigramCounts, training_examples
from bigram_tui.core.model import counts_model
from bigram_tui.core.neural import (
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_REG,
    Epoch,
    PerExampleTrainer,
    TrainingDiverged,
    TrainingRun,
    initial_weights,
    neural_model,
    walkthrough,
)
from bigram_tui.core.params import check_lr, check_reg
from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.core.scoring import score_dataset
from bigram_tui.core.vocab import Vocab

CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]


@pytest.fixture(scope="module")
def counts() -> BigramCounts:
    return BigramCounts.from_words(CORPUS)


def reference_loss(weights: torch.Tensor, counts: torch.Tensor, reg: float) -> torch.Tensor:
    """The notebook's loss written directly: mean NLL over all bigrams + reg · mean(W²)."""
    log_probs = torch.log_softmax(weights, dim=1)
    return -(counts * log_probs).sum() / counts.sum() + reg * (weights**2).mean()


def test_defaults_are_the_notebooks():
    assert (DEFAULT_LR, DEFAULT_REG, DEFAULT_EPOCHS) == (50.0, 0.0, 500)


def test_initial_weights_are_the_notebooks_randn():
    weights = initial_weights(5, seed=123)
    expected = torch.randn(5, 5, generator=torch.Generator().manual_seed(123))
    assert weights.dtype == torch.float32
    assert torch.equal(weights, expected)
    assert torch.equal(initial_weights(27), initial_weights(27, DEFAULT_SEED))


def test_first_step_reports_loss_of_initial_weights(counts):
    run = TrainingRun(counts, seed=7)
    w0 = initial_weights(counts.vocab.size, 7).double()
    assert torch.equal(run.weights, w0)
    assert run.weights.dtype == torch.float64
    assert run.epoch == 0
    assert run.losses == []
    epoch = run.step()
    assert isinstance(epoch, Epoch)
    assert epoch.index == 0
    assert epoch.loss == pytest.approx(float(reference_loss(w0, counts.counts.double(), 0.0)))
    assert run.epoch == 1
    assert run.losses == [epoch.loss]
    assert not torch.equal(run.weights, w0)


def test_run_returns_consecutive_epochs(counts):
    run = TrainingRun(counts)
    epochs = run.run(4)
    assert [e.index for e in epochs] == [0, 1, 2, 3]
    assert [e.loss for e in epochs] == run.losses
    assert run.epoch == 4


def test_reset_restores_epoch_zero_exactly(counts):
    run = TrainingRun(counts, seed=11)
    first = run.step().loss
    w0 = initial_weights(counts.vocab.size, 11).double()
    run.run(5)
    run.reset()
    assert run.epoch == 0
    assert run.losses == []
    assert torch.equal(run.weights, w0)
    assert run.step().loss == first  # bit for bit, not approximately


def test_reset_with_a_new_seed(counts):
    run = TrainingRun(counts, seed=1)
    run.run(2)
    run.reset(seed=2)
    assert run.seed == 2
    assert torch.equal(run.weights, initial_weights(counts.vocab.size, 2).double())
    assert run.epoch == 0


def test_rejected_reset_seed_leaves_the_run_usable(counts):
    run = TrainingRun(counts, seed=5)
    with pytest.raises(ValueError):
        run.reset(seed=-1)
    assert run.seed == 5
    run.reset()


def test_changing_lr_between_steps_takes_effect(counts):
    run = TrainingRun(counts, lr=50.0)
    run.step()
    w1 = run.weights
    _, grad = run.loss_and_grad(w1)
    run.lr = 3.0
    run.step()
    assert torch.allclose(run.weights, w1 - 3.0 * grad, rtol=0, atol=1e-15)
    assert not torch.allclose(run.weights, w1 - 50.0 * grad)


def test_changing_reg_between_steps_takes_effect(counts):
    run = TrainingRun(counts, lr=10.0, reg=0.0)
    run.step()
    w1 = run.weights
    data_loss = float(reference_loss(w1, counts.counts.double(), 0.0))
    run.reg = 0.5
    loss = run.step().loss
    assert loss == pytest.approx(data_loss + 0.5 * float((w1**2).mean()), rel=1e-12)


def test_regularisation_increases_the_loss_at_the_same_weights(counts):
    run = TrainingRun(counts, reg=0.0)
    weights = run.weights
    plain, _ = run.loss_and_grad(weights)
    run.reg = 0.1
    regularised, _ = run.loss_and_grad(weights)
    assert regularised > plain
    assert regularised - plain == pytest.approx(0.1 * float((weights**2).mean()), rel=1e-12)


def test_regularisation_pulls_weights_towards_zero(counts):
    free = TrainingRun(counts, reg=0.0)
    held = TrainingRun(counts, reg=1.0)
    free.run(50)
    held.run(50)
    assert float((held.weights**2).mean()) < float((free.weights**2).mean())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("reg", [0.0, 0.01, 2.5])
def test_analytic_gradient_equals_autograd(seed, reg):
    """float64, random W and random counts (some rows empty), to 1e-10."""
    gen = torch.Generator().manual_seed(seed)
    size = 6
    counts_tensor = torch.randint(0, 20, (size, size), generator=gen)
    counts_tensor[2] = 0  # a row with no bigrams at all
    counts = BigramCounts(Vocab(tuple("abcde")), counts_tensor, 10, 1, 5)
    run = TrainingRun(counts, reg=reg)
    weights = torch.randn(size, size, generator=gen, dtype=torch.float64) * 3
    loss, grad = run.loss_and_grad(weights)

    w = weights.clone().requires_grad_()
    expected = reference_loss(w, counts_tensor.double(), reg)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    assert w.grad is not None
    assert float((grad - w.grad).abs().max()) < 1e-10
    if reg == 0:
        assert float(grad[2].abs().max()) == 0.0  # no data, no regularisation: no pull


def test_loss_never_below_the_counts_model(counts):
    """The count model is the maximum-likelihood bigram model: no W beats its NLL."""
    floor = score_dataset(counts_model(counts), counts).mean_nll
    run = TrainingRun(counts, lr=50.0)
    losses = [e.loss for e in run.run(300)]
    assert min(losses) >= floor - 1e-12
    assert losses[-1] < losses[0]
    assert losses[-1] - floor < 0.2 * (losses[0] - floor)


def test_trained_model_is_softmax_of_weights(counts):
    run = TrainingRun(counts)
    run.run(3)
    model = run.model()
    assert model.name == "neural"
    assert model.vocab == counts.vocab
    assert torch.allclose(model.probs, torch.softmax(run.weights, dim=1), rtol=0, atol=1e-15)
    assert torch.allclose(model.probs.sum(dim=1), torch.ones(counts.vocab.size).double())
    # The model's dataset score is the training loss of the current weights.
    next_loss = run.step().loss
    assert score_dataset(model, counts).mean_nll == pytest.approx(next_loss, rel=1e-12)


def test_neural_model_from_float32_weights(counts):
    weights = initial_weights(counts.vocab.size)
    model = neural_model(counts.vocab, weights, name="init")
    assert model.name == "init"
    assert model.probs.dtype == torch.float64
    assert torch.allclose(model.probs, torch.softmax(weights.double(), dim=1))


@pytest.mark.parametrize(
    ("lr", "reg"),
    [(0.0, 0.0), (-1.0, 0.0), (math.nan, 0.0), (math.inf, 0.0), (1.0, -0.1), (1.0, math.nan)],
)
def test_invalid_hyperparameters_raise(counts, lr, reg):
    with pytest.raises(ValueError):
        check_lr(lr)
        check_reg(reg)
    with pytest.raises(ValueError):
        TrainingRun(counts, lr=lr, reg=reg)


def test_invalid_seed_raises(counts):
    with pytest.raises(ValueError):
        TrainingRun(counts, seed=-1)
    with pytest.raises(ValueError):
        TrainingRun(counts, seed=2**64)


def test_huge_learning_rate_diverges_and_keeps_the_last_finite_weights(counts):
    """lr = 1e6 (with a little regularisation) blows up; the weights before it stay finite."""
    run = TrainingRun(counts, lr=1e6, reg=0.01)
    with pytest.raises(TrainingDiverged) as info:
        for _ in range(1000):
            before, epoch = run.weights, run.epoch
            run.step()
    assert isinstance(info.value, ArithmeticError)
    message = str(info.value)
    assert "\n" not in message
    assert "lr=1e+06" in message
    assert run.epoch == epoch > 0
    assert torch.equal(run.weights, before)
    assert bool(torch.isfinite(run.weights).all())
    # Stepping again fails the same way and changes nothing; reset recovers.
    with pytest.raises(TrainingDiverged):
        run.step()
    assert run.epoch == epoch
    run.reset()
    run.lr = 10.0
    assert math.isfinite(run.step().loss)


def test_huge_learning_rate_without_regularisation_diverges(counts):
    run = TrainingRun(counts, lr=1e6, reg=0.0)
    with pytest.raises(TrainingDiverged):
        run.run(300)


def test_reset_from_another_thread_never_exposes_a_half_updated_w(counts):
    """Every W a reader sees is the initial W or one of the whole post-step Ws."""
    steps = 40
    reference = TrainingRun(counts, seed=3, lr=20.0)
    trajectory = [reference.weights]
    for _ in range(steps):
        reference.step()
        trajectory.append(reference.weights)
    known = {w.numpy().tobytes(): i for i, w in enumerate(trajectory)}
    reference_losses = reference.losses

    run = TrainingRun(counts, seed=3, lr=20.0)
    stop = threading.Event()
    seen: list[torch.Tensor] = []
    errors: list[BaseException] = []
    step_count = 0

    def stepper() -> None:
        nonlocal step_count
        try:
            while not stop.is_set():
                # Stay on the reference trajectory: never step past it.
                if run.epoch < steps:
                    run.step()
                    step_count += 1
                seen.append(run.weights)
                time.sleep(0)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    def resetter() -> None:
        try:
            for _ in range(100):
                run.reset()
                seen.append(run.weights)
                time.sleep(0.002)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    stepping = threading.Thread(target=stepper)
    resetting = threading.Thread(target=resetter)
    stepping.start()
    resetting.start()
    resetting.join(timeout=30)
    stop.set()
    stepping.join(timeout=30)
    assert not errors
    assert not resetting.is_alive()
    assert not stepping.is_alive()
    assert step_count > 100  # the two threads really interleaved
    indices = set()
    for weights in seen:
        assert bool(torch.isfinite(weights).all())
        key = weights.numpy().tobytes()
        assert key in known, "a W that is neither the initial W nor a whole post-step W"
        indices.add(known[key])
    assert 0 in indices
    assert len(indices) > 2
    # Losses and weights were updated together.
    assert run.losses == reference_losses[: run.epoch]
    assert torch.equal(run.weights, trajectory[run.epoch])


def test_per_example_trainer_matches_fast_path(counts):
    fast = TrainingRun(counts, seed=9, lr=30.0, reg=0.05)
    slow = PerExampleTrainer(CORPUS, counts.vocab, seed=9, lr=30.0, reg=0.05)
    assert slow.xs.tolist() == training_examples(CORPUS, counts.vocab)[0].tolist()
    for _ in range(20):
        assert fast.step().loss == pytest.approx(slow.step(), abs=1e-5)
    assert float((fast.weights - slow.W.detach().double()).abs().max()) < 1e-4


def test_walkthrough_steps(counts):
    model = counts_model(counts)
    steps = walkthrough(model, "mia")
    assert [(s.first, s.second) for s in steps] == [(".", "m"), ("m", "i"), ("i", "a"), ("a", ".")]
    stoi = counts.vocab.stoi
    for step in steps:
        assert (step.input_index, step.label) == (stoi[step.first], stoi[step.second])
        assert torch.equal(step.probs, model.probs[step.input_index])
        assert step.prob == float(model.probs[step.input_index, step.label])
        assert step.log_prob == pytest.approx(math.log(step.prob), rel=1e-15)
        assert step.nll == -step.log_prob


def test_walkthrough_zero_probability_is_infinite_nll(counts):
    steps = walkthrough(counts_model(counts), "va")  # no word here starts with 'v'
    assert steps[0].prob == 0.0
    assert steps[0].log_prob == -math.inf
    assert steps[0].nll == math.inf


def test_walkthrough_rejects_unknown_characters(counts):
    with pytest.raises(KeyError):
        walkthrough(counts_model(counts), "zq")


def test_divergence_is_structured(name_counts) -> None:
    """One rule, in the run: its fields say what happened, describe() says it in one line."""
    from bigram_tui.core.neural import (
        DIVERGENCE_FACTOR,
        LOSS_ABOVE_THRESHOLD,
        LOSS_NOT_FINITE,
        WEIGHTS_OVERFLOWED,
    )

    run = TrainingRun(name_counts, lr=500)
    with pytest.raises(TrainingDiverged) as info:
        run.run(100)
    error = info.value
    assert error.reason == LOSS_ABOVE_THRESHOLD
    assert (error.lr, error.reg, error.epoch) == (500, 0, run.epoch)
    assert error.threshold == DIVERGENCE_FACTOR * run.losses[0] == run.divergence_threshold
    assert error.loss > error.threshold
    assert str(error) == error.describe() and "\n" not in str(error)

    with pytest.raises(TrainingDiverged) as info:
        TrainingRun(name_counts, lr=50, reg=1e308).run(2)
    assert info.value.reason == WEIGHTS_OVERFLOWED and info.value.epoch == 0
    assert "λ=1e+308" in str(info.value)

    one_step = TrainingRun(name_counts, lr=1e200)
    one_step.step()  # finite weights, but their loss is not a number
    with pytest.raises(TrainingDiverged) as info:
        one_step.final_loss()
    assert info.value.reason == LOSS_NOT_FINITE and info.value.epoch == 1
    assert "the loss became nan at epoch 1" in str(info.value)


def test_the_lecture_run_stays_far_from_the_threshold(name_counts) -> None:
    run = TrainingRun(name_counts)
    run.run(500)
    assert max(run.losses) == run.losses[0] < run.divergence_threshold / 2 + 1e-9
    assert run.final_loss() < run.losses[0]
