"""Training a net to convergence, for the λ sweep: damped Newton per row, else L-BFGS."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import torch

from .errors import TrainingCancelled
from .neural import CountsObjective, NeuralNgramModel, initial_weights
from .params import check_reg
from .rng import DEFAULT_SEED

# The stopping rule of `train_to_convergence`: L-BFGS stops when the largest gradient
# entry is below CONVERGENCE_GRAD, or the loss changes by less than CONVERGENCE_CHANGE
# between iterations, or after MAX_ITERATIONS.
CONVERGENCE_GRAD = 1e-7
CONVERGENCE_CHANGE = 1e-12
MAX_ITERATIONS = 2000


# Below this many weights one L-BFGS iteration is microseconds of work, and handing part of
# an op to a second thread costs more than the op; on a loaded machine, where that thread
# has to be woken, it costs milliseconds (a 20-λ bigram sweep took 25 s, not 1.5 s).
_SINGLE_THREAD_BELOW = 1 << 16


@contextmanager
def _threads_for(size: int) -> Iterator[None]:
    """Run small problems on one intra-op thread. torch's setting is process-wide, so it is
    restored at once; a UI thread working meanwhile merely runs single-threaded too."""
    previous = torch.get_num_threads()
    if size >= _SINGLE_THREAD_BELOW or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class Cancel(Protocol):
    """What a sweep polls to stop early: a threading.Event will do."""

    def is_set(self) -> bool: ...


# The table net's Newton solver holds one V×V Hessian per context: at most this many cells.
_NEWTON_CELLS = 1 << 23


def _newton_rows(
    objective: CountsObjective,
    reg: float,
    weights: torch.Tensor,
    max_iterations: int,
    cancel: Cancel | None,
) -> tuple[torch.Tensor, int]:
    """Damped Newton on every row of the table net at once.

    Row i's loss is −N_i·log_softmax(w_i)/N + λ·|w_i|²/numel. Its Hessian,
    (n_i/N)(diag p − p pᵀ) + 2λ/numel · I, is positive definite for λ > 0, so each Newton
    step descends; halving it per row until the loss falls enough keeps it from overshooting.
    """
    pairs, totals = objective.pair_counts, objective.context_totals
    total, ridge = objective.total, 2.0 * reg / weights.numel()
    eye = torch.eye(weights.shape[1], dtype=torch.float64)

    def row_losses(w: torch.Tensor) -> torch.Tensor:
        data = -(pairs * torch.log_softmax(w, dim=1)).sum(dim=1) / total
        return data + 0.5 * ridge * (w**2).sum(dim=1)

    losses = row_losses(weights)
    for iteration in range(max_iterations):
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("cancelled")
        probs = torch.softmax(weights, dim=1)
        grad = (totals * probs - pairs) / total + ridge * weights
        if float(grad.abs().max()) <= CONVERGENCE_GRAD:
            return weights, iteration
        scale = (totals / total).unsqueeze(2)
        hessian = scale * (torch.diag_embed(probs) - probs.unsqueeze(2) * probs.unsqueeze(1))
        step = -torch.linalg.solve(hessian + ridge * eye, grad)
        slope = (grad * step).sum(dim=1)
        size = torch.ones(len(weights), 1, dtype=torch.float64)
        for _ in range(40):  # Armijo backtracking, row by row
            trial = weights + size * step
            trial_losses = row_losses(trial)
            ok = trial_losses <= losses + 1e-4 * size.squeeze(1) * slope
            if bool(ok.all()):
                break
            size = torch.where(ok.unsqueeze(1), size, size / 2)
        weights, losses = trial, trial_losses
    return weights, max_iterations


@dataclass(frozen=True)
class ConvergedNet:
    model: NeuralNgramModel
    loss: float  # training loss, λ term included
    iterations: int
    converged: bool  # False when MAX_ITERATIONS stopped it


def train_to_convergence(
    objective: CountsObjective,
    reg: float,
    *,
    seed: int = DEFAULT_SEED,
    max_iterations: int = MAX_ITERATIONS,
    cancel: Cancel | None = None,
) -> ConvergedNet:
    """Minimise the training loss from the seed's W (see CONVERGENCE_* for when it stops).

    For λ > 0 the objective of either net is strictly convex in W, so its minimum is unique
    and any descent method reaches the optimum gradient descent would, in far fewer steps.
    The table net at λ > 0 splits into one small problem per context (a row's loss involves
    only that row), solved by damped Newton, all rows at once; otherwise L-BFGS (see
    `CountsObjective.separable`). At λ = 0
    the infimum may lie at infinite W (a next token never seen); the stopping rule then
    decides where it stops. `cancel.is_set()` is checked at every iteration; once set,
    TrainingCancelled is raised.
    """
    check_reg(reg)
    size = objective.counts.vocab.size
    start = initial_weights(objective.rows, size, seed).double()
    if objective.separable and reg > 0 and objective.rows * size * size <= _NEWTON_CELLS:
        with _threads_for(start.numel()):
            final, iterations = _newton_rows(objective, reg, start, max_iterations, cancel)
        loss, _ = objective.loss_and_grad(final, reg)
        return ConvergedNet(objective.model(final), loss, iterations, iterations < max_iterations)
    weights = start.requires_grad_()
    optimiser = torch.optim.LBFGS(
        [weights],
        lr=1.0,
        max_iter=max_iterations,
        max_eval=max_iterations * 2,
        tolerance_grad=CONVERGENCE_GRAD,
        tolerance_change=CONVERGENCE_CHANGE,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("cancelled")
        loss, grad = objective.loss_and_grad(weights.detach(), reg)
        weights.grad = grad
        return torch.tensor(loss, dtype=torch.float64)

    with _threads_for(weights.numel()):
        optimiser.step(closure)
    iterations = int(optimiser.state[weights].get("n_iter", 0))
    final = weights.detach().clone()
    loss, _ = objective.loss_and_grad(final, reg)
    return ConvergedNet(objective.model(final), loss, iterations, iterations < max_iterations)
