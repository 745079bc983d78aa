"""The nets of order n (the lecture's one-hot bigram is the table net at n = 2): the step-wise
training API, its gradient, divergence, threads, convergence and the reference trainers."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch

import bigram_tui.core.convergence as convergence
from bigram_tui.core.convergence import train_to_convergence
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_REG
from bigram_tui.core.errors import (
    NgramError,
    OutOfVocabulary,
    TrainingCancelled,
    TrainingDiverged,
)
from bigram_tui.core.model import NgramModel, probs_matrix
from bigram_tui.core.neural import (
    LINEAR,
    TABLE,
    CountsObjective,
    Epoch,
    NeuralNgramModel,
    TrainingRun,
    initial_weights,
)
from bigram_tui.core.notebook import (
    CrossEntropyTrainer,
    IndexTrainer,
    PerExampleTrainer,
    bigram_matrix,
    training_examples,
    walkthrough,
)
from bigram_tui.core.params import NET_KINDS, check_lr, check_reg
from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.core.scoring import score_counts

CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]


@pytest.fixture(scope="module")
def counts() -> NgramCounts:
    return NgramCounts.from_words(CORPUS, 2)


def reference_loss(weights: torch.Tensor, counts: torch.Tensor, reg: float) -> torch.Tensor:
    """The notebook's loss written directly: mean NLL over all bigrams + reg · mean(W²)."""
    log_probs = torch.log_softmax(weights, dim=1)
    return -(counts * log_probs).sum() / counts.sum() + reg * (weights**2).mean()


def test_defaults_are_the_notebooks():
    assert (DEFAULT_LR, DEFAULT_REG, DEFAULT_EPOCHS) == (50.0, 0.0, 500)


def test_initial_weights_are_the_notebooks_randn():
    weights = initial_weights(5, 5, seed=123)
    expected = torch.randn(5, 5, generator=torch.Generator().manual_seed(123))
    assert weights.dtype == torch.float32
    assert torch.equal(weights, expected)
    assert torch.equal(initial_weights(27, 27), initial_weights(27, 27, DEFAULT_SEED))


def test_first_step_reports_loss_of_initial_weights(counts):
    run = TrainingRun(counts, seed=7)
    w0 = initial_weights(counts.vocab.size, counts.vocab.size, 7).double()
    assert torch.equal(run.weights, w0)
    assert run.weights.dtype == torch.float64
    assert run.epoch == 0
    assert run.losses == []
    epoch = run.step()
    assert isinstance(epoch, Epoch)
    assert epoch.index == 0
    assert epoch.loss == pytest.approx(
        float(reference_loss(w0, bigram_matrix(counts).double(), 0.0))
    )
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
    w0 = initial_weights(counts.vocab.size, counts.vocab.size, 11).double()
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
    assert torch.equal(
        run.weights, initial_weights(counts.vocab.size, counts.vocab.size, 2).double()
    )
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
    data_loss = float(reference_loss(w1, bigram_matrix(counts).double(), 0.0))
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
    """float64, random W and random words, to 1e-10: the table net's W is one row per
    context the data shows, and a row with no data gets no pull without λ."""
    gen = torch.Generator().manual_seed(seed)
    letters = "abcde"
    words = ["".join(letters[int(i)] for i in torch.randint(0, 5, (int(n),), generator=gen))
             for n in torch.randint(1, 6, (12,), generator=gen)]  # fmt: skip
    counts = NgramCounts.from_words(words, 2)
    run = TrainingRun(counts, reg=reg)
    size = counts.vocab.size
    weights = torch.randn(len(counts.contexts), size, generator=gen, dtype=torch.float64) * 3
    loss, grad = run.loss_and_grad(weights)

    w = weights.clone().requires_grad_()
    pairs = counts.dense_rows(torch.arange(len(counts.contexts))).double()
    expected = reference_loss(w, pairs, reg)
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    assert w.grad is not None
    assert float((grad - w.grad).abs().max()) < 1e-10


def test_loss_never_below_the_counts_model(counts):
    """The count model is the maximum-likelihood bigram model: no W beats its NLL."""
    floor = score_counts(NgramModel(counts), counts).mean_nll
    run = TrainingRun(counts, lr=50.0)
    losses = [e.loss for e in run.run(300)]
    assert min(losses) >= floor - 1e-12
    assert losses[-1] < losses[0]
    assert losses[-1] - floor < 0.2 * (losses[0] - floor)


def test_trained_model_is_softmax_of_weights(counts):
    run = TrainingRun(counts)
    run.run(3)
    model = run.model()
    assert model.name == "neural-table"
    assert model.vocab == counts.vocab
    probs = probs_matrix(model)
    assert torch.allclose(probs, torch.softmax(run.weights, dim=1), rtol=0, atol=1e-15)
    assert torch.allclose(probs.sum(dim=1), torch.ones(counts.vocab.size).double())
    # The model's dataset score is the training loss of the current weights.
    next_loss = run.step().loss
    assert score_counts(model, counts).mean_nll == pytest.approx(next_loss, rel=1e-12)


def test_neural_model_from_float32_weights(counts):
    weights = initial_weights(counts.vocab.size, counts.vocab.size)
    model = NeuralNgramModel(TABLE, counts.vocab, 2, weights.double(), counts.contexts)
    assert probs_matrix(model).dtype == torch.float64
    assert torch.allclose(probs_matrix(model), torch.softmax(weights.double(), dim=1))


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
    model = NgramModel(counts)
    probs = probs_matrix(model)
    steps = walkthrough(model, "mia")
    assert [(s.context, s.next) for s in steps] == [
        ((".",), "m"), (("m",), "i"), (("i",), "a"), (("a",), "."),
    ]  # fmt: skip
    stoi = counts.vocab.stoi
    for step in steps:
        assert (step.inputs, step.label) == ((stoi[step.context[0]],), stoi[step.next])
        assert torch.equal(step.probs, probs[step.inputs[0]])
        assert step.prob == float(probs[step.inputs[0], step.label])
        assert step.log_prob == pytest.approx(math.log(step.prob), rel=1e-15)
        assert step.nll == -step.log_prob


def test_walkthrough_zero_probability_is_infinite_nll(counts):
    steps = walkthrough(NgramModel(counts), "va")  # no word here starts with 'v'
    assert steps[0].prob == 0.0
    assert steps[0].log_prob == -math.inf
    assert steps[0].nll == math.inf


def test_walkthrough_rejects_unknown_characters(counts):
    with pytest.raises(OutOfVocabulary, match="'z' at 1, 'q' at 2"):
        walkthrough(NgramModel(counts), "zq")


def test_divergence_is_structured(name_counts) -> None:
    """One rule, in the run: its fields say what happened, describe() says it in one line."""
    from bigram_tui.core.errors import (
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


@pytest.mark.parametrize("kind", NET_KINDS)
def test_order_2_is_the_lectures_net(ngram_counts_of, kind):
    run = TrainingRun(ngram_counts_of(2), kind)
    assert torch.equal(run.weights, initial_weights(27, 27).double())
    assert run.parameters == 27 * 27
    losses = [round(e.loss, 4) for e in run.run(3)]
    assert losses == [3.7590, 3.3711, 3.1540]


def test_order_2_is_one_run_for_both_layouts_of_the_data(ngram_counts_of, name_counts):
    """The lecture's bigram counts and the order-2 counts of the n-gram path are one thing."""
    ours, theirs = TrainingRun(ngram_counts_of(2)), TrainingRun(name_counts)
    for _ in range(10):
        assert ours.step().loss == theirs.step().loss
    assert torch.equal(ours.weights, theirs.weights)


def test_parameter_counts_grow_with_contexts_or_linearly_with_order(ngram_counts_of):
    for order in (2, 3, 4):
        counts = ngram_counts_of(order)
        assert TrainingRun(counts, TABLE).parameters == len(counts.contexts) * 27
        assert TrainingRun(counts, LINEAR).parameters == (order - 1) * 27 * 27
    assert TrainingRun(ngram_counts_of(1), TABLE).parameters == 27


def test_unigram_table_is_one_row_and_linear_is_refused(ngram_counts_of):
    counts = ngram_counts_of(1)
    run = TrainingRun(counts, TABLE, lr=1.0)
    assert run.weights.shape == (1, 27)
    run.run(5)
    assert run.losses[-1] < run.losses[0]
    with pytest.raises(NgramError, match="order 2 or more"):
        TrainingRun(counts, LINEAR)


def _agree(fast: TrainingRun, references, epochs: int) -> None:
    for epoch in range(epochs):
        expected = fast.step().loss
        for reference in references:
            # The references train in float32 over 228,146 examples, as the notebook does.
            assert reference.step() == pytest.approx(expected, abs=2e-4), (epoch, reference)


def test_per_example_trainers_agree_with_counts_at_every_epoch(names, ngram_counts_of):
    counts, reg = ngram_counts_of(2), 0.01
    references = [
        PerExampleTrainer(names, counts.vocab, reg=reg),
        IndexTrainer(names, counts, reg=reg),
        CrossEntropyTrainer(names, counts, reg=reg),
    ]
    _agree(TrainingRun(counts, reg=reg), references, 20)


@pytest.mark.parametrize("kind", NET_KINDS)
def test_reference_trainers_agree_at_order_3(names, ngram_counts_of, kind):
    counts = ngram_counts_of(3)
    fast = TrainingRun(counts, kind, lr=10.0, reg=0.01)
    references = [
        IndexTrainer(names, counts, kind, lr=10.0, reg=0.01),
        CrossEntropyTrainer(names, counts, kind, lr=10.0, reg=0.01),
    ]
    _agree(fast, references, 10)


@pytest.mark.parametrize("kind", NET_KINDS)
def test_gradient_is_autograds(kind):
    counts = NgramCounts.from_words(CORPUS, 3)
    objective = CountsObjective(counts, kind)
    weights = torch.randn(objective.rows, counts.vocab.size, dtype=torch.float64)
    loss, grad = objective.loss_and_grad(weights, 0.3)
    w = weights.clone().requires_grad_()
    log_probs = torch.log_softmax(objective.logits(w), dim=1)
    pairs = counts.dense_rows(torch.arange(len(counts.contexts))).double()
    reference = -(pairs * log_probs).sum() / counts.total + 0.3 * (w**2).mean()
    reference.backward()
    assert loss == pytest.approx(float(reference.detach()), abs=1e-12)
    assert torch.allclose(grad, w.grad, atol=1e-12)


def test_table_net_converges_to_the_counts_model(ngram_counts_of):
    counts = ngram_counts_of(2)
    net = train_to_convergence(CountsObjective(counts, TABLE), 0.0)
    assert net.converged
    nll = score_counts(net.model, counts).mean_nll
    assert nll == pytest.approx(score_counts(NgramModel(counts), counts).mean_nll, abs=1e-5)


def test_convergence_reaches_gradient_descents_optimum():
    counts = NgramCounts.from_words(CORPUS, 2)
    run = TrainingRun(counts, TABLE, lr=5.0, reg=0.5)
    run.run(3000)
    net = train_to_convergence(CountsObjective(counts, TABLE), 0.5)
    assert net.loss == pytest.approx(run.losses[-1], abs=1e-8)
    assert torch.allclose(net.model.weights, run.weights, atol=1e-4)


def test_convergence_can_be_cancelled(ngram_counts_of):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TrainingCancelled):
        train_to_convergence(CountsObjective(ngram_counts_of(2), TABLE), 0.01, cancel=cancel)


def test_divergence_is_detected_and_weights_kept(ngram_counts_of):
    run = TrainingRun(ngram_counts_of(3), LINEAR, lr=1e6)
    with pytest.raises(TrainingDiverged) as diverged:
        for _ in range(50):
            before = run.weights
            run.step()
    # The one rule of core.neural.TrainingRun, with its fields.
    assert diverged.value.lr == 1e6 and diverged.value.reason
    assert str(diverged.value).startswith("training diverged:")
    assert torch.equal(run.weights, before)
    assert all(math.isfinite(loss) for loss in run.losses)


def test_lr_and_reg_change_between_steps_and_reset(ngram_counts_of):
    run = TrainingRun(ngram_counts_of(3), TABLE)
    run.step()
    run.lr, run.reg = 10.0, 0.1
    run.step()
    assert run.epoch == 2
    with pytest.raises(ValueError):
        run.lr = -1.0
    run.reset(seed=1)
    assert run.epoch == 0 and run.seed == 1


def test_neural_model_scores_unseen_contexts_as_uniform(ngram_counts_of):
    counts = ngram_counts_of(3)
    model = TrainingRun(counts, TABLE).model()
    unseen = torch.tensor([counts.encode_tokens(("j", "q"))])
    assert torch.allclose(
        model.next_probs(unseen), torch.full((1, 27), 1 / 27, dtype=torch.float64)
    )
    linear = TrainingRun(counts, LINEAR).model()
    assert torch.allclose(
        linear.next_probs(counts.contexts[:9]).sum(dim=1), torch.ones(9, dtype=torch.float64)
    )


def test_the_newton_step_is_the_hessians_solve():
    """Sherman–Morrison's O(V) step equals solving with the V×V Hessian it never builds."""
    gen = torch.Generator().manual_seed(0)
    rows, size, ridge = 7, 9, 1e-3
    probs = torch.softmax(torch.randn(rows, size, generator=gen, dtype=torch.float64), dim=1)
    grad = torch.randn(rows, size, generator=gen, dtype=torch.float64)
    scale = torch.rand(rows, 1, generator=gen, dtype=torch.float64)
    hessian = scale.unsqueeze(2) * (
        torch.diag_embed(probs) - probs.unsqueeze(2) * probs.unsqueeze(1)
    ) + ridge * torch.eye(size, dtype=torch.float64)
    expected = -torch.linalg.solve(hessian, grad)
    assert torch.allclose(
        convergence._newton_steps(scale, probs, grad, ridge), expected, atol=1e-10
    )


@pytest.mark.parametrize("reg", [1e-3, 0.1])
def test_newton_and_lbfgs_reach_the_same_optimum(split_counts_of, monkeypatch, reg):
    objective = CountsObjective(split_counts_of(2)[0], TABLE)
    newton = train_to_convergence(objective, reg)
    lbfgs = train_to_convergence(objective, reg, newton=False)
    assert newton.converged and lbfgs.converged
    assert newton.iterations < lbfgs.iterations
    assert newton.loss == pytest.approx(lbfgs.loss, abs=1e-8)
    assert newton.loss <= lbfgs.loss + 1e-12
