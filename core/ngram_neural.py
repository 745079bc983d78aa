"""Neural nets of order n, trained from the n-gram counts, plus per-example reference paths.

Two nets map a context of n−1 tokens to logits over the next token:

- table: one row of W per observed context, logits = W[context]. It can represent any
  distribution per context, so it converges to the counts model. Parameters: contexts × V.
- linear: the concatenated one-hot of each context position, W of shape (n−1)·V × V, so
  logits = Σ_j W_j[c_j]. Parameters grow linearly with n, not with the contexts seen.

At n=2 both are the lecture's net: the same initial W and the same losses. The loss
depends on the data only through the counts, so an epoch costs one softmax per observed
context rather than one per example; `IndexTrainer` (W[xs], exercise E04) and
`CrossEntropyTrainer` (F.cross_entropy, E05) compute it per example, as references.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F

from .defaults import DEFAULT_LR, DEFAULT_REG
from .neural import TrainingRun
from .neural import initial_weights as square_initial_weights
from .ngram_counts import NgramCounts, NgramError, digits_of, ngram_ids
from .ngram_model import SEEN
from .params import NET_KINDS, check_reg
from .rng import DEFAULT_SEED, make_generator
from .vocab import Vocab

TABLE, LINEAR = NET_KINDS

# The stopping rule of `train_to_convergence`: L-BFGS stops when the largest gradient
# entry is below CONVERGENCE_GRAD, or the loss changes by less than CONVERGENCE_CHANGE
# between iterations, or after MAX_ITERATIONS.
CONVERGENCE_GRAD = 1e-7
CONVERGENCE_CHANGE = 1e-12
MAX_ITERATIONS = 2000


def check_kind(kind: str, order: int) -> str:
    if kind not in NET_KINDS:
        raise NgramError(f"unknown net {kind!r}; choose one of {', '.join(NET_KINDS)}")
    if kind == LINEAR and order < 2:
        raise NgramError("the linear net needs a context; use --order 2 or more, or the table net")
    return kind


def weight_rows(counts: NgramCounts, kind: str) -> int:
    """How many rows W has: one per observed context (table) or per position and token."""
    check_kind(kind, counts.order)
    if kind == TABLE:
        return len(counts.contexts)
    return (counts.order - 1) * counts.vocab.size


def initial_weights(rows: int, size: int, seed: int = DEFAULT_SEED) -> torch.Tensor:
    """float32 randn from a generator seeded with `seed`: at rows == V, the lecture's W."""
    if rows == size:
        return square_initial_weights(size, seed)
    return torch.randn(rows, size, generator=make_generator(seed))


def _position_rows(context_digits: torch.Tensor, size: int) -> torch.Tensor:
    """For the linear net: the row of W that context position j with token c selects, j·V + c."""
    offsets = torch.arange(context_digits.shape[1], dtype=torch.long) * size
    return context_digits + offsets


@dataclass(frozen=True)
class NeuralNgramModel:
    """A trained net as a next-token model (see ngram_model.NextTokenModel)."""

    kind: str
    vocab: Vocab
    order: int
    weights: torch.Tensor  # float64
    contexts: torch.Tensor  # table: the context id of each row; linear: unused

    @property
    def name(self) -> str:
        return f"neural-{self.kind}"

    @property
    def parameters(self) -> int:
        return self.weights.numel()

    def logits(self, context_ids: torch.Tensor) -> torch.Tensor:
        context_ids = context_ids.long()
        size = self.vocab.size
        if self.kind == TABLE:
            rows = torch.searchsorted(self.contexts, context_ids)
            rows = rows.clamp_max(len(self.contexts) - 1)
            seen = self.contexts[rows] == context_ids
            # A context training never showed has no row; zero logits are the uniform
            # distribution, what any λ > 0 makes of a row no data ever pulls on.
            logits = torch.zeros(len(context_ids), size, dtype=torch.float64)
            logits[seen] = self.weights[rows[seen]]
            return logits
        position_rows = _position_rows(digits_of(context_ids, size, self.order - 1), size)
        return self.weights[position_rows].sum(dim=1)

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(context_ids), dim=1)

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        log_probs = torch.log_softmax(self.logits(context_ids), dim=1)
        picked = log_probs.gather(1, nexts.long().unsqueeze(1)).squeeze(1)
        return picked, torch.full_like(nexts.long(), SEEN)


class CountsObjective:
    """Mean NLL over all examples + λ·mean(W²), computed from the counts, with its gradient."""

    def __init__(self, counts: NgramCounts, kind: str) -> None:
        self.kind = check_kind(kind, counts.order)
        self.counts = counts
        self.rows = weight_rows(counts, kind)
        size = counts.vocab.size
        self._pair_counts = counts.dense_rows(torch.arange(len(counts.contexts))).double()
        self._context_totals = counts.context_totals.double().unsqueeze(1)
        self._total = float(counts.total)
        if kind == LINEAR:
            digits = digits_of(counts.contexts, size, counts.order - 1)
            self._position_rows: torch.Tensor | None = _position_rows(digits, size)
        else:
            self._position_rows = None

    @property
    def separable(self) -> bool:
        """True when row i of W is the logits of context i alone, so each row's loss is a
        problem of its own: always for the table, and for the linear net at order 2 when
        every token occurs as a context (then the two nets are one)."""
        if self._position_rows is None:
            return True
        contexts = self.counts.contexts
        return self.counts.order == 2 and torch.equal(contexts, torch.arange(self.rows))

    @property
    def pair_counts(self) -> torch.Tensor:
        """N(context, next) for every observed context, float64, contexts × V."""
        return self._pair_counts

    @property
    def context_totals(self) -> torch.Tensor:
        """N(context), float64, contexts × 1."""
        return self._context_totals

    @property
    def total(self) -> float:
        return self._total

    def logits(self, weights: torch.Tensor) -> torch.Tensor:
        if self._position_rows is None:
            return weights
        return weights[self._position_rows].sum(dim=1)

    def loss_and_grad(self, weights: torch.Tensor, reg: float) -> tuple[float, torch.Tensor]:
        log_probs = torch.log_softmax(self.logits(weights), dim=1)
        data_loss = -(self._pair_counts * log_probs).sum() / self._total
        reg_loss = reg * (weights**2).mean()
        # d(mean NLL)/d logits of a context = (N(context)·softmax − N(context, ·)) / total:
        # the sum over its examples of (softmax − one_hot(next)), collapsed.
        logit_grad = (self._context_totals * log_probs.exp() - self._pair_counts) / self._total
        if self._position_rows is None:
            grad = logit_grad
        else:
            grad = torch.zeros_like(weights)
            for j in range(self._position_rows.shape[1]):
                grad.index_add_(0, self._position_rows[:, j], logit_grad)
        grad = grad + reg * 2.0 * weights / weights.numel()
        return float(data_loss + reg_loss), grad

    def model(self, weights: torch.Tensor) -> NeuralNgramModel:
        counts = self.counts
        return NeuralNgramModel(self.kind, counts.vocab, counts.order, weights, counts.contexts)


class NgramTrainingRun(TrainingRun):
    """Full-batch gradient descent on a net of order n, one `step()` at a time.

    `TrainingRun` with another objective: the stepping, the settable lr and λ and the one
    divergence rule are its own; only the weights, the loss and the model differ.
    """

    def __init__(
        self,
        counts: NgramCounts,
        kind: str = TABLE,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        self.objective = CountsObjective(counts, kind)
        self.kind = kind
        self.order = counts.order
        super().__init__(counts, seed=seed, lr=lr, reg=reg)  # type: ignore[arg-type]

    def _prepare(self, counts: object) -> None:
        pass  # the objective already holds what the loss needs

    def _initial_weights(self) -> torch.Tensor:
        return initial_weights(self.objective.rows, self.vocab.size, self.seed).double()

    @property
    def parameters(self) -> int:
        """How many numbers W holds."""
        return self.objective.rows * self.vocab.size

    def loss_and_grad(self, weights: torch.Tensor) -> tuple[float, torch.Tensor]:
        return self.objective.loss_and_grad(weights, self.reg)

    def model(self) -> NeuralNgramModel:  # type: ignore[override]
        return self.objective.model(self.weights)


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


class TrainingCancelled(Exception):
    """A caller asked a long computation to stop (see `Cancel`)."""


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


class _PerExampleBase:
    """The examples of the words as rows of W to select, in float32 as the notebook trains."""

    def __init__(
        self,
        words: Sequence[str],
        counts: NgramCounts,
        kind: str = TABLE,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        check_kind(kind, counts.order)
        size, order = counts.vocab.size, counts.order
        ids = ngram_ids(words, counts.vocab, order).long()
        self.ys = ids % size
        context_ids = ids // size
        if kind == TABLE:
            self.xs = counts.context_rows(context_ids).unsqueeze(1)
            if bool((self.xs < 0).any()):
                raise NgramError("the words hold a context the counts do not; count these words")
        else:
            self.xs = _position_rows(digits_of(context_ids, size, order - 1), size)
        self.lr, self.reg = lr, reg
        self.W = initial_weights(weight_rows(counts, kind), size, seed).requires_grad_()

    def logits(self) -> torch.Tensor:
        # W[xs] selects the rows a one-hot product would: one per context position.
        return self.W[self.xs].sum(dim=1)

    def data_loss(self) -> torch.Tensor:
        raise NotImplementedError

    def step(self) -> float:
        loss = self.data_loss() + self.reg * (self.W**2).mean()
        self.W.grad = None
        loss.backward()
        assert self.W.grad is not None
        self.W.data -= self.lr * self.W.grad
        return float(loss.item())


class IndexTrainer(_PerExampleBase):
    """Exercise E04: W[xs] in place of one_hot(xs) @ W, the softmax still written out."""

    def data_loss(self) -> torch.Tensor:
        counts = self.logits().exp()
        probs = counts / counts.sum(dim=1, keepdim=True)
        return -probs[torch.arange(len(self.ys)), self.ys].log().mean()


class CrossEntropyTrainer(_PerExampleBase):
    """Exercise E05: F.cross_entropy in place of the explicit softmax and log."""

    def data_loss(self) -> torch.Tensor:
        return F.cross_entropy(self.logits(), self.ys)
