"""The project's own error types: the faults a user can cause and fix, each one line.

A front end catches `BigramTuiError` and shows its message; anything else is a bug.
"""

from __future__ import annotations


class BigramTuiError(Exception):
    """Bad input, a refused file or a run that cannot go on; the message is the line to show."""


class NgramError(BigramTuiError, ValueError):
    """A model that cannot be built; the message is one line: why, and what to do."""


class ModelFileError(BigramTuiError, ValueError):
    """A model file that cannot be written or used; the message is one line with the fix."""


class SaveFailed(ModelFileError):
    """A model file's write failed (a full disk, say): its output was lost, not refused."""


class OutOfVocabulary(BigramTuiError, ValueError):
    """The word has characters the model has never seen; `positions` says where."""

    def __init__(self, word: str, positions: list[int]) -> None:
        self.word = word
        self.positions = positions
        shown = ", ".join(f"{word[i]!r} at {i + 1}" for i in positions[:5])
        more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
        super().__init__(f"not in the vocabulary: {shown}{more}")


class TrainingCancelled(Exception):
    """A caller asked a long computation to stop (see core.convergence's `Cancel`)."""


class SweepCancelled(TrainingCancelled):
    """The sweep was cancelled; nothing it computed is returned."""


# Training has diverged once the loss passes DIVERGENCE_FACTOR × the baseline, where the
# baseline is the first loss since lr or λ last changed, or log V (the uniform model's loss)
# if that is larger: a run near zero loss may wobble without running away, but a loss over
# twice the uniform guess's is worse than knowing nothing. Why 2: on names.txt, lr ≤ 300
# never passes 1.5× in 1,500 epochs (seeds 1, 42 and the lecture's), while lr 400, 500 and
# 1e6 pass 2× within 77, 4 and 1 epochs; the lecture's lr 50 never rises above its start.
DIVERGENCE_FACTOR = 2.0


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
