"""Nets of order n trained from counts: the lecture's losses at n=2, reference trainers agree."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from bigram_tui.core.neural import (
    PerExampleTrainer,
    TrainingDiverged,
    TrainingRun,
    initial_weights,
)
from bigram_tui.core.ngram_counts import NgramCounts, NgramError
from bigram_tui.core.ngram_model import NgramModel, score_counts
from bigram_tui.core.ngram_neural import (
    LINEAR,
    NET_KINDS,
    TABLE,
    CountsObjective,
    CrossEntropyTrainer,
    IndexTrainer,
    NgramTrainingRun,
    TrainingCancelled,
    train_to_convergence,
)

CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]


@pytest.mark.parametrize("kind", NET_KINDS)
def test_order_2_is_the_lectures_net(ngram_counts_of, kind):
    run = NgramTrainingRun(ngram_counts_of(2), kind)
    assert torch.equal(run.weights, initial_weights(27).double())
    assert run.parameters == 27 * 27
    losses = [round(e.loss, 4) for e in run.run(3)]
    assert losses == [3.7590, 3.3711, 3.1540]


def test_order_2_matches_the_bigram_training_run_exactly(ngram_counts_of, name_counts):
    for kind in NET_KINDS:
        ours, theirs = NgramTrainingRun(ngram_counts_of(2), kind), TrainingRun(name_counts)
        for _ in range(10):
            assert ours.step().loss == pytest.approx(theirs.step().loss, abs=1e-12)
        assert torch.allclose(ours.weights, theirs.weights, atol=1e-12)


def test_parameter_counts_grow_with_contexts_or_linearly_with_order(ngram_counts_of):
    for order in (2, 3, 4):
        counts = ngram_counts_of(order)
        assert NgramTrainingRun(counts, TABLE).parameters == len(counts.contexts) * 27
        assert NgramTrainingRun(counts, LINEAR).parameters == (order - 1) * 27 * 27
    assert NgramTrainingRun(ngram_counts_of(1), TABLE).parameters == 27


def test_unigram_table_is_one_row_and_linear_is_refused(ngram_counts_of):
    counts = ngram_counts_of(1)
    run = NgramTrainingRun(counts, TABLE, lr=1.0)
    assert run.weights.shape == (1, 27)
    run.run(5)
    assert run.losses[-1] < run.losses[0]
    with pytest.raises(NgramError, match="order 2 or more"):
        NgramTrainingRun(counts, LINEAR)


def _agree(fast: NgramTrainingRun, references, epochs: int) -> None:
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
    _agree(NgramTrainingRun(counts, reg=reg), references, 20)


@pytest.mark.parametrize("kind", NET_KINDS)
def test_reference_trainers_agree_at_order_3(names, ngram_counts_of, kind):
    counts = ngram_counts_of(3)
    fast = NgramTrainingRun(counts, kind, lr=10.0, reg=0.01)
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
    run = NgramTrainingRun(counts, TABLE, lr=5.0, reg=0.5)
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
    run = NgramTrainingRun(ngram_counts_of(3), LINEAR, lr=1e6)
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
    run = NgramTrainingRun(ngram_counts_of(3), TABLE)
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
    model = NgramTrainingRun(counts, TABLE).model()
    unseen = torch.tensor([counts.encode_tokens(("j", "q"))])
    assert torch.allclose(
        model.next_probs(unseen), torch.full((1, 27), 1 / 27, dtype=torch.float64)
    )
    linear = NgramTrainingRun(counts, LINEAR).model()
    assert torch.allclose(
        linear.next_probs(counts.contexts[:9]).sum(dim=1), torch.ones(9, dtype=torch.float64)
    )


@pytest.mark.parametrize("reg", [1e-3, 0.1])
def test_newton_and_lbfgs_reach_the_same_optimum(split_counts_of, monkeypatch, reg):
    import bigram_tui.core.ngram_neural as ngram_neural

    objective = CountsObjective(split_counts_of(2)[0], TABLE)
    newton = train_to_convergence(objective, reg)
    monkeypatch.setattr(ngram_neural, "_NEWTON_CELLS", 0)
    lbfgs = train_to_convergence(objective, reg)
    assert newton.converged and lbfgs.converged
    assert newton.iterations < lbfgs.iterations
    assert newton.loss == pytest.approx(lbfgs.loss, abs=1e-8)
    assert newton.loss <= lbfgs.loss + 1e-12
