"""Training a net to convergence, for the λ sweep: damped Newton on every row of the table
net at once (O(V) a row, by Sherman–Morrison), else L-BFGS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

from .errors import TrainingCancelled
from .neural import CountsObjective, NeuralNgramModel, initial_weights
from .params import check_reg
from .rng import DEFAULT_SEED
from .threads import threads_for

# The stopping rule of `train_to_convergence`: L-BFGS stops when the largest gradient
# entry is below CONVERGENCE_GRAD, or the loss changes by less than CONVERGENCE_CHANGE
# between iterations, or after MAX_ITERATIONS.
CONVERGENCE_GRAD = 1e-7
CONVERGENCE_CHANGE = 1e-12
MAX_ITERATIONS = 2000


class Cancel(Protocol):
    """What a sweep polls to stop early: a threading.Event will do."""

    def is_set(self) -> bool: ...


_FROZEN_BELOW = 1e-6  # a row stops at this fraction of CONVERGENCE_GRAD


def _newton_steps(
    scale: torch.Tensor, probs: torch.Tensor, grad: torch.Tensor, ridge: float
) -> torch.Tensor:
    """−H⁻¹g for every row at once, in O(V) per row, where H = s·(diag p − p pᵀ) + r·I.

    H is D − s·p pᵀ with D = diag(s·p + r): a diagonal minus a rank-one term, so by the
    Sherman–Morrison formula H⁻¹g = D⁻¹g + s·D⁻¹p (pᵀD⁻¹g) / (1 − s·pᵀD⁻¹p). No V×V
    Hessian is built or solved; the denominator is positive because s·p_i²/(s·p_i + r) < p_i.
    """
    inverse_diagonal = 1.0 / (scale * probs + ridge)
    scaled_p = inverse_diagonal * probs
    scaled_g = inverse_diagonal * grad
    denominator = 1.0 - scale * (probs * scaled_p).sum(dim=1, keepdim=True)
    along_p = scale * (probs * scaled_g).sum(dim=1, keepdim=True) / denominator
    return -(scaled_g + scaled_p * along_p)


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
    scale = totals / total

    def row_losses(w: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        counts = pairs if rows is None else pairs[rows]
        data = -(counts * torch.log_softmax(w, dim=1)).sum(dim=1) / total
        return data + 0.5 * ridge * (w**2).sum(dim=1)

    losses = row_losses(weights)
    weights = weights.clone()
    active = torch.arange(len(weights))  # rows whose gradient is still above the tolerance
    for iteration in range(max_iterations):
        if cancel is not None and cancel.is_set():
            raise TrainingCancelled("cancelled")
        every_row = len(active) == len(weights)
        # Gathering every row would copy the whole table for nothing: the first iterations,
        # where no row has converged yet, take the tensors themselves.
        w, counts, row_totals = (
            (weights, pairs, totals)
            if every_row
            else (weights[active], pairs[active], totals[active])
        )
        probs = torch.softmax(w, dim=1)
        grad = (row_totals * probs - counts) / total + ridge * w
        largest = grad.abs().amax(dim=1)
        if float(largest.max()) <= CONVERGENCE_GRAD:
            return weights, iteration  # the rule of every net: the largest gradient entry
        # A row is its own problem: once its gradient is far below the tolerance (Newton has
        # converged quadratically there) it is done, and the others go on without it, so
        # each iteration costs only the rows still moving, and the optimum is today's.
        moving = largest > CONVERGENCE_GRAD * _FROZEN_BELOW
        if not bool(moving.all()):
            active, w, grad, probs = active[moving], w[moving], grad[moving], probs[moving]
            every_row = False
        step = _newton_steps(scale[active], probs, grad, ridge)
        slope = (grad * step).sum(dim=1)
        row_loss = losses[active]
        # Armijo backtracking, row by row: a row whose full step lowers its loss enough keeps
        # it; only the rows still pending are halved and scored again.
        trial = w + step
        trial_losses = row_losses(trial, None if every_row else active)
        pending = (trial_losses > row_loss + 1e-4 * slope).nonzero().squeeze(1)
        size = torch.ones(len(w), dtype=torch.float64)
        for _ in range(40):
            if len(pending) == 0:
                break
            size[pending] /= 2
            retried = w[pending] + size[pending].unsqueeze(1) * step[pending]
            retried_losses = row_losses(retried, active[pending])
            trial[pending], trial_losses[pending] = retried, retried_losses
            rejected = retried_losses > row_loss[pending] + 1e-4 * size[pending] * slope[pending]
            pending = pending[rejected]
        if every_row:
            weights, losses = trial, trial_losses
        else:
            weights[active], losses[active] = trial, trial_losses
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
    newton: bool = True,
) -> ConvergedNet:
    """Minimise the training loss from the seed's W (see CONVERGENCE_* for when it stops).

    For λ > 0 the objective of either net is strictly convex in W, so its minimum is unique
    and any descent method reaches the optimum gradient descent would, in far fewer steps.
    The table net at λ > 0 splits into one small problem per context (a row's loss involves
    only that row), solved by damped Newton, all rows at once; otherwise L-BFGS (see
    `CountsObjective.separable`). At λ = 0
    the infimum may lie at infinite W (a next token never seen); the stopping rule then
    decides where it stops. `cancel.is_set()` is checked at every iteration; once set,
    TrainingCancelled is raised. `newton=False` takes L-BFGS even where Newton applies
    (a check that the two reach one optimum).
    """
    check_reg(reg)
    size = objective.counts.vocab.size
    start = initial_weights(objective.rows, size, seed).double()
    if newton and objective.separable and reg > 0:
        with threads_for(objective.numbers):
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

    with threads_for(objective.numbers):
        optimiser.step(closure)
    iterations = int(optimiser.state[weights].get("n_iter", 0))
    final = weights.detach().clone()
    loss, _ = objective.loss_and_grad(final, reg)
    return ConvergedNet(objective.model(final), loss, iterations, iterations < max_iterations)
