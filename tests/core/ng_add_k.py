"""NG's add-k on its stream, written directly from NG's formula: the reference the product's
counts model (core.model.NgramModel on NgramCounts.from_stream) is checked against."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from bigram_tui.core.window_counts import (
    ContextTotals,
    WindowCounts,
    as_windows,
    check_windows,
    encode_windows,
)


@dataclass(frozen=True)
class StreamAddK:
    """The counts model with add-k, as NG computes it:

        P(w | h) = (c(h w) + k) / (c(h) + k·V)

    A context never seen in training gets the uniform 1/V, which is (0 + k)/(0 + k·V) at
    k > 0 and NG's own choice at k = 0 (where the formula is 0/0).
    """

    vocab_size: int
    order: int
    k: float
    counts: WindowCounts
    contexts: ContextTotals

    @classmethod
    def fit(
        cls, windows: torch.Tensor | np.ndarray, vocab_size: int, order: int, k: float
    ) -> StreamAddK:
        """Count the training windows (W, order)."""
        windows = check_windows(windows, order, vocab_size)
        counts = WindowCounts.count(windows, vocab_size)
        return cls(vocab_size, order, _check_k(k), counts, counts.by_context())

    def with_k(self, k: float) -> StreamAddK:
        """The same counts with another k (no recounting)."""
        return dataclasses.replace(self, k=_check_k(k))

    def _history(self, contexts: torch.Tensor) -> torch.Tensor:
        if contexts.shape[1] != self.order - 1:
            raise ValueError(f"a context at order {self.order} has {self.order - 1} tokens")
        return encode_windows(contexts, self.vocab_size)

    def _smooth(self, counts: torch.Tensor, totals: torch.Tensor) -> torch.Tensor:
        denominator = totals + self.k * self.vocab_size
        seen = denominator > 0
        smoothed = (counts + self.k) / torch.where(seen, denominator, 1.0)
        return torch.where(seen, smoothed, 1.0 / self.vocab_size)

    def probs(self, contexts: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(· | h) for each context (B, order−1) of token ids: (B, V) float64."""
        history = self._history(as_windows(contexts))
        totals, _ = self.contexts.find(history)
        return self._smooth(self.counts.rows(history), totals.unsqueeze(1))

    def row(self, context: Iterable[int]) -> torch.Tensor:
        """P(· | h) for one context, a tuple of order−1 token ids: (V,) float64."""
        return self.probs(torch.tensor([list(context)], dtype=torch.long).reshape(1, -1))[0]

    def window_probs(self, windows: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(last token | the order−1 before it) for each window: (W,) float64."""
        windows = as_windows(windows)
        history = self._history(windows[:, :-1])
        totals, _ = self.contexts.find(history)
        counts = self.counts.lookup(history * self.vocab_size + windows[:, -1])
        return self._smooth(counts, totals)

    def log_likelihood(self, windows: torch.Tensor | np.ndarray) -> float:
        """Σ log P over the windows, in nats (−inf where k = 0 leaves a P at 0)."""
        return float(self.window_probs(windows).log().sum())

    def mean_nll(self, windows: torch.Tensor | np.ndarray) -> float:
        """The mean negative log-likelihood per window, NG's loss (nan for no windows)."""
        windows = as_windows(windows)
        if len(windows) == 0:
            return math.nan
        return -self.log_likelihood(windows) / len(windows)


def _check_k(k: float) -> float:
    k = float(k)
    if not k >= 0 or math.isinf(k):
        raise ValueError(f"the add-k smoothing k must be 0 or more, not {k:g}")
    return k
