"""Neural nets of order n: logits from a context of n−1 tokens, softmax, gradient descent.

Two nets map a context to logits over the next token:

- table: one row of W per observed context, logits = W[context]. It can represent any
  distribution per context, so it converges to the counts model. Parameters: contexts × V.
- linear: the concatenated one-hot of each context position, W of shape (n−1)·V × V, so
  logits = Σ_j W_j[c_j]. Parameters grow linearly with n, not with the contexts seen.

At n=2 both are the lecture's net, one_hot(x) @ W: the same initial W and the same losses.
The loss depends on the data only through the counts, so an epoch costs one softmax per
observed context rather than one per example; core.notebook keeps the per-example loops
as the references this is tested against.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import torch

from .counts import NgramCounts, NgramError, digits_of
from .defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_REG  # noqa: F401 - re-exported
from .errors import (
    DIVERGENCE_FACTOR,
    LOSS_ABOVE_THRESHOLD,
    LOSS_NOT_FINITE,
    WEIGHTS_OVERFLOWED,
    TrainingDiverged,
)
from .model import SEEN
from .params import NET_KINDS, check_lr, check_reg, check_seed
from .rng import DEFAULT_SEED, make_generator
from .threads import threads_for
from .vocab import Vocab

TABLE, LINEAR = NET_KINDS
# A net's W, and the counts table its loss reads, hold at most this many numbers: 50 M
# float64 is 400 MB each, the most a student's machine (and the app's memory goal) can take.
MAX_PARAMETERS = 50_000_000


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


def check_parameters(counts: NgramCounts, kind: str) -> int:
    """Refuse a net (or the table of its loss) beyond MAX_PARAMETERS, in one line."""
    rows = max(weight_rows(counts, kind), len(counts.contexts))
    size = rows * counts.vocab.size
    if size > MAX_PARAMETERS:
        # Not the linear net: its loss reads the same contexts × V table of counts.
        way_out = "a lower --order, or a word list with fewer distinct characters"
        raise NgramError(
            f"a {kind} net of order {counts.order} here needs {size:,} numbers "
            f"({len(counts.contexts):,} contexts × {counts.vocab.size:,} tokens), more than "
            f"the {MAX_PARAMETERS:,} allowed; use {way_out}"
        )
    return weight_rows(counts, kind)


def initial_weights(rows: int, size: int, seed: int = DEFAULT_SEED) -> torch.Tensor:
    """float32 randn from a generator seeded with `seed`: at rows == V, the lecture's W."""
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

    def known_contexts(self) -> torch.Tensor:
        return self.contexts if self.kind == TABLE else torch.zeros(0, dtype=torch.long)

    def unseen_row(self) -> torch.Tensor | None:
        if self.kind != TABLE:
            return None  # the linear net's rows differ with every context
        size = self.vocab.size
        return torch.full((size,), 1.0 / size, dtype=torch.float64)  # zero logits

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
        self.rows = check_parameters(counts, kind)
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
    def numbers(self) -> int:
        """What core.threads judges an epoch by: the table net's contexts × V elementwise
        work. The linear net counts as small work whatever its size: its index_add_ waits
        on the pool's partner, 20× slower on a busy machine (python -m tests.bench
        --only r3-threads)."""
        return self._pair_counts.numel() if self._position_rows is None else 0

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


@dataclass(frozen=True)
class Epoch:
    index: int  # 0-based: epoch 0 is the loss of the initial weights
    loss: float
    dev_loss: float | None = None  # the dev set's mean NLL of the same weights, if measured


class TrainingRun:
    """Full-batch gradient descent on a net of order n, one `step()` at a time, so a UI can
    pause between epochs. The divergence rule lives here and nowhere else.

    `lr` and `reg` may be changed between steps. `step()` reports the loss of the weights it
    started from, then updates them, as the notebook's loop prints before it steps. With
    `dev` counts, every `dev_every`-th step also records the dev set's mean NLL of those
    same weights (in `dev_losses`, by epoch).
    """

    def __init__(
        self,
        counts: NgramCounts,
        kind: str = TABLE,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
        dev: NgramCounts | None = None,
    ) -> None:
        self.objective = CountsObjective(counts, kind)
        self.kind, self.order, self.vocab = kind, counts.order, counts.vocab
        self.dev = dev
        self.seed = check_seed(seed)
        self._lr, self._reg = check_lr(lr), check_reg(reg)
        # The loss that divergence is judged against: the first since lr or λ last changed.
        self._baseline_loss: float | None = None
        # step() and reset() may run on different threads (a worker and the UI).
        self._lock = threading.Lock()
        self.reset()

    @property
    def counts(self) -> NgramCounts:
        return self.objective.counts

    @property
    def parameters(self) -> int:
        """How many numbers W holds."""
        return self.objective.rows * self.vocab.size

    def _initial_weights(self) -> torch.Tensor:
        return initial_weights(self.objective.rows, self.vocab.size, self.seed).double()

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_lr(value)
        self._baseline_loss = None

    @property
    def reg(self) -> float:
        return self._reg

    @reg.setter
    def reg(self, value: float) -> None:
        self._reg = check_reg(value)
        self._baseline_loss = None

    def reset(self, seed: int | None = None) -> None:
        with self._lock:
            if seed is not None:
                self.seed = check_seed(seed)
            # Replaced, never mutated in place, so a reader always sees a whole W.
            self.weights = self._initial_weights()
            self.losses: list[float] = []
            self.dev_losses: dict[int, float] = {}
            self._baseline_loss = None

    @property
    def epoch(self) -> int:
        """How many epochs have run."""
        return len(self.losses)

    def loss_and_grad(self, weights: torch.Tensor) -> tuple[float, torch.Tensor]:
        return self.objective.loss_and_grad(weights, self.reg)

    def dev_loss(self, weights: torch.Tensor | None = None) -> float | None:
        """The dev set's mean NLL under `weights` (the current ones by default)."""
        if self.dev is None:
            return None
        from .scoring import score_counts

        chosen = self.weights if weights is None else weights
        return score_counts(self.objective.model(chosen), self.dev).mean_nll

    def step(self, *, with_dev: bool = False) -> Epoch:
        """One epoch; `with_dev` also records the dev loss of the weights it started from."""
        with self._lock, threads_for(self.objective.numbers):
            lr, weights = self.lr, self.weights
            loss, grad = self.loss_and_grad(weights)
            self._check_loss(loss)
            if self._baseline_loss is None:
                self._baseline_loss = loss
            new_weights = weights - lr * grad
            if not bool(torch.isfinite(new_weights).all()):
                raise self._diverged(WEIGHTS_OVERFLOWED, loss)
            index = len(self.losses)
            dev_loss = self.dev_loss(weights) if with_dev else None
            if dev_loss is not None:
                self.dev_losses[index] = dev_loss
            self.weights = new_weights
            self.losses.append(loss)
            return Epoch(index, loss, dev_loss)

    def final_loss(self) -> float:
        """The loss of the current weights, checked as a step checks it, before it is shown
        or saved: one huge step can leave finite weights whose loss is NaN."""
        with self._lock:
            loss, _ = self.loss_and_grad(self.weights)
            self._check_loss(loss)
            return loss

    @property
    def divergence_threshold(self) -> float:
        """The loss past which training has diverged (infinite until the baseline is set)."""
        if self._baseline_loss is None:
            return math.inf
        return DIVERGENCE_FACTOR * max(self._baseline_loss, math.log(self.vocab.size))

    def _check_loss(self, loss: float) -> None:
        if not math.isfinite(loss):
            raise self._diverged(LOSS_NOT_FINITE, loss)
        if loss > self.divergence_threshold:
            raise self._diverged(LOSS_ABOVE_THRESHOLD, loss)

    def _diverged(self, reason: str, loss: float) -> TrainingDiverged:
        return TrainingDiverged(
            reason=reason, epoch=self.epoch, loss=loss, lr=self.lr, reg=self.reg,
            threshold=self.divergence_threshold,
        )  # fmt: skip

    def run(self, epochs: int) -> list[Epoch]:
        return [self.step() for _ in range(epochs)]

    def model(self) -> NeuralNgramModel:
        return self.objective.model(self.weights)
