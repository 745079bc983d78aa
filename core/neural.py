"""The one-hot neural bigram: logits = one_hot(x) @ W, softmax, trained by gradient descent.

Two paths compute the same loss. `TrainingRun` works from the count matrix, because the
loss depends on the data only through the counts: one epoch costs a V×V softmax, not a
pass over 228,146 examples. `PerExampleTrainer` is the notebook's loop, kept as the
reference that the fast path is tested and benchmarked against.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .counts import BigramCounts, training_examples
from .defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_REG  # noqa: F401 - re-exported
from .errors import BigramTuiError
from .model import BigramModel
from .params import check_lr, check_reg, check_seed
from .rng import DEFAULT_SEED, make_generator
from .vocab import Vocab

# Training has diverged once the loss passes DIVERGENCE_FACTOR × the baseline, where the
# baseline is the first loss since lr or λ last changed, or log V (the uniform model's loss)
# if that is larger: a run near zero loss may wobble without running away, but a loss over
# twice the uniform guess's is worse than knowing nothing. Why 2: on names.txt, lr ≤ 300
# never passes 1.5× in 1,500 epochs (seeds 1, 42 and the lecture's), while lr 400, 500 and
# 1e6 pass 2× within 77, 4 and 1 epochs; the lecture's lr 50 never rises above its start.
DIVERGENCE_FACTOR = 2.0


def initial_weights(size: int, seed: int = DEFAULT_SEED) -> torch.Tensor:
    """The notebook's W: float32 randn from a generator seeded with `seed`."""
    return torch.randn(size, size, generator=make_generator(seed))


LOSS_NOT_FINITE = "loss not finite"
LOSS_ABOVE_THRESHOLD = "loss above threshold"
WEIGHTS_OVERFLOWED = "weights overflowed"


class TrainingDiverged(BigramTuiError, ArithmeticError):
    """Gradient descent ran away; the weights are left as they were before that epoch.

    The fields say what happened; `describe()` (also `str()`) is the one line every front
    end shows, to which each adds its own way out (a smaller --lr, or reset in the app).
    """

    def __init__(
        self, *, reason: str, epoch: int, loss: float, lr: float, reg: float, threshold: float
    ) -> None:
        self.reason, self.epoch, self.loss = reason, epoch, loss
        self.lr, self.reg, self.threshold = lr, reg, threshold
        super().__init__(self.describe())

    def describe(self) -> str:
        settings = f"lr={self.lr:g}" + (f", λ={self.reg:g}" if self.reg > 0 else "")
        if self.reason == WEIGHTS_OVERFLOWED:
            what = f"the weights overflowed at epoch {self.epoch}"
        elif self.reason == LOSS_NOT_FINITE:
            what = f"the loss became {self.loss} at epoch {self.epoch}"
        else:
            what = (
                f"loss {self.loss:.4g} at epoch {self.epoch} passed {self.threshold:.4g} "
                f"({DIVERGENCE_FACTOR:g}× where it started)"
            )
        return f"training diverged: {what} with {settings}"

    def __str__(self) -> str:
        return self.describe()


def neural_model(vocab: Vocab, weights: torch.Tensor, name: str = "neural") -> BigramModel:
    return BigramModel(name, vocab, torch.softmax(weights.double(), dim=1))


@dataclass(frozen=True)
class Epoch:
    index: int  # 0-based: epoch 0 is the loss of the initial weights
    loss: float


class TrainingRun:
    """Full-batch gradient descent, one `step()` at a time, so a UI can pause between epochs.

    `lr` and `reg` may be changed between steps. `step()` reports the loss of the weights it
    started from, then updates them, as the notebook's loop prints before it steps.
    """

    def __init__(
        self,
        counts: BigramCounts,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        self.vocab = counts.vocab
        self.seed = check_seed(seed)
        self._lr, self._reg = check_lr(lr), check_reg(reg)
        # The loss that divergence is judged against: the first since lr or λ last changed.
        self._baseline_loss: float | None = None
        self._counts = counts.counts.double()
        self._row_totals = self._counts.sum(dim=1, keepdim=True)
        self._total = float(self._counts.sum())
        # step() and reset() may run on different threads (a worker and the UI).
        self._lock = threading.Lock()
        self.reset()

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
            self.weights = initial_weights(self.vocab.size, self.seed).double()
            self.losses: list[float] = []
            self._baseline_loss = None

    @property
    def epoch(self) -> int:
        """How many epochs have run."""
        return len(self.losses)

    def loss_and_grad(self, weights: torch.Tensor) -> tuple[float, torch.Tensor]:
        log_probs = torch.log_softmax(weights, dim=1)
        data_loss = -(self._counts * log_probs).sum() / self._total
        reg_loss = self.reg * (weights**2).mean()
        # d(mean NLL)/dW[i] = (n_i · softmax(W[i]) − N[i]) / total: the one-hot sum, collapsed.
        grad = (self._row_totals * log_probs.exp() - self._counts) / self._total
        grad += self.reg * 2.0 * weights / weights.numel()
        return float(data_loss + reg_loss), grad

    def step(self) -> Epoch:
        with self._lock:
            lr, weights = self.lr, self.weights
            loss, grad = self.loss_and_grad(weights)
            self._check_loss(loss)
            if self._baseline_loss is None:
                self._baseline_loss = loss
            new_weights = weights - lr * grad
            if not bool(torch.isfinite(new_weights).all()):
                raise self._diverged(WEIGHTS_OVERFLOWED, loss)
            self.weights = new_weights
            self.losses.append(loss)
            return Epoch(len(self.losses) - 1, loss)

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

    def model(self) -> BigramModel:
        return neural_model(self.vocab, self.weights)


class PerExampleTrainer:
    """The notebook's In[23]–In[24], literally: one-hot every example, every epoch, in float32."""

    def __init__(
        self,
        words: Sequence[str],
        vocab: Vocab,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        self.xs, self.ys = training_examples(words, vocab)
        self.size = vocab.size
        self.lr, self.reg = lr, reg
        self.W = initial_weights(self.size, seed).requires_grad_()

    def step(self) -> float:
        xenc = F.one_hot(self.xs, num_classes=self.size).float()
        logits = xenc @ self.W
        counts = logits.exp()
        probs = counts / counts.sum(dim=1, keepdim=True)
        loss = -probs[torch.arange(len(self.xs)), self.ys].log().mean()
        loss = loss + self.reg * (self.W**2).mean()
        self.W.grad = None
        loss.backward()
        assert self.W.grad is not None
        self.W.data -= self.lr * self.W.grad
        return float(loss.item())


@dataclass(frozen=True)
class ExampleStep:
    """One row of the notebook's In[22]: what the net sees and says for one bigram."""

    first: str
    second: str
    input_index: int
    label: int
    probs: torch.Tensor  # the output distribution over the next character
    prob: float  # probs[label]
    log_prob: float
    nll: float


def walkthrough(model: BigramModel, word: str) -> list[ExampleStep]:
    """For each bigram of '.word.', the forward pass a one-hot net makes on it."""
    vocab = model.vocab
    indices = vocab.encode(word)
    steps = []
    for x, y in itertools.pairwise(indices):
        # one_hot(x) @ W selects row x; for every model that row is probs[x].
        row = model.probs[x]
        prob = float(row[y])
        log_prob = math.log(prob) if prob > 0 else -math.inf
        steps.append(
            ExampleStep(vocab.itos[x], vocab.itos[y], x, y, row, prob, log_prob, -log_prob)
        )
    return steps
