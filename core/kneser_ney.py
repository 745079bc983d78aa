"""Interpolated Kneser–Ney smoothing of an n-gram model of order N (issue 19's definition).

    P_n(w | h) = max(c(h w) − D, 0) / c(h)  +  D · N1+(h •) / c(h) · P_(n−1)(w | h′)

where h′ is h without its oldest token, c(h) = Σ_w c(h w), and N1+(h •) is the number of
distinct w with c(h w) > 0. At the top order N, c counts the N-grams of the windows. Below
it, c is the continuation count: c_n(g) is how many distinct tokens x make x·g a run of
the data. A token that follows many different contexts is a likely guess in a new one,
however rare it is overall; that is what the lower orders learn. P_0 = 1/V, and at an
order where c(h) = 0, P_n = P_(n−1): a context never seen passes the guess down unchanged.

The input is the windows of length N (W, N) of token ids, taken inside each sequence by
whatever convention (the lecture's padding or NG's stream, see core.stream). The runs of
n+1 tokens that the continuation counts need are read off the same windows (see
core.window_counts.shorter_runs), so both conventions share one code path.

All counting is torch.unique over base-V ids; no Python loop runs over n-grams. The tables
do not depend on D, so `with_discount` reuses them for a sweep of D.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from .params import KN_DISCOUNTS
from .window_counts import (
    ContextTotals,
    WindowCounts,
    as_windows,
    check_windows,
    encode_windows,
    shorter_runs,
)

DISCOUNTS = KN_DISCOUNTS  # the sweep that issue 19 reports its numbers with


@dataclass(frozen=True)
class KneserNeyLevel:
    """One order's table: c of its n-grams (counts or continuation counts) and per context
    c(h) and N1+(h •)."""

    order: int
    counts: WindowCounts
    contexts: ContextTotals

    @classmethod
    def of(cls, order: int, counts: WindowCounts) -> KneserNeyLevel:
        """A level from its n-gram table, with its context totals computed once."""
        return cls(order, counts, counts.by_context())


def _check_discount(discount: float) -> float:
    # D ≤ 1 keeps every row a distribution: each c(h w) > 0 is at least 1, so exactly
    # D·N1+(h •) is taken from a context's counts and given to the lower order.
    discount = float(discount)
    if not 0.0 <= discount <= 1.0:
        raise ValueError(f"the Kneser–Ney discount D must be from 0 to 1, not {discount:g}")
    return discount


@dataclass(frozen=True)
class KneserNey:
    """An interpolated Kneser–Ney model of order N over V tokens with discount D."""

    vocab_size: int
    order: int
    discount: float
    levels: tuple[KneserNeyLevel, ...]  # levels[n − 1] is order n

    @classmethod
    def fit(
        cls,
        windows: torch.Tensor | np.ndarray,
        vocab_size: int,
        order: int,
        discount: float,
    ) -> KneserNey:
        """Count the windows (W, N) of token ids in 0..V−1 at every order 1..N."""
        windows = check_windows(windows, order, vocab_size)
        return cls.from_top(WindowCounts.count(windows, vocab_size), discount)

    @classmethod
    def from_top(cls, top: WindowCounts, discount: float) -> KneserNey:
        """The model of the top order's n-gram counts (any convention's, e.g. an
        NgramCounts' ids and counts): every lower order is read off them."""
        vocab_size, order = top.vocab_size, top.width
        levels = [KneserNeyLevel.of(order, top)]
        runs = top.ids  # the distinct runs of n+1 tokens, starting at n + 1 = N
        for n in range(order - 1, 0, -1):
            if n + 1 < order:
                runs = shorter_runs(runs, vocab_size, n + 2)
            # Each distinct run of n+1 tokens gives its last n tokens one predecessor.
            occurring = WindowCounts.from_ids(runs, torch.ones(len(runs)), vocab_size, n + 1)
            levels.append(KneserNeyLevel.of(n, occurring.suffix_counts()))
        return cls(vocab_size, order, _check_discount(discount), tuple(reversed(levels)))

    def with_discount(self, discount: float) -> KneserNey:
        """The same tables with another D (no recounting)."""
        return dataclasses.replace(self, discount=_check_discount(discount))

    # --- one order's step -------------------------------------------------------------------

    def _contexts(self, contexts: torch.Tensor | np.ndarray) -> torch.Tensor:
        contexts = as_windows(contexts)
        if contexts.shape[1] != self.order - 1:
            raise ValueError(
                f"a context at order {self.order} has {self.order - 1} tokens, "
                f"not {contexts.shape[1]}"
            )
        return contexts

    def _step(
        self, n: int, contexts: torch.Tensor, nexts: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(own, weight, seen) at order n: P_n = own + weight · P_(n−1) where seen.

        own = max(c(h w) − D, 0) / c(h), weight = D · N1+(h •) / c(h). With `nexts`
        None, own is a full row per context (B, V); else one value per context (B,).
        """
        level = self.levels[n - 1]
        history = encode_windows(contexts[:, self.order - n :], self.vocab_size)
        total, distinct = level.contexts.find(history)
        if nexts is None:
            counts = level.counts.rows(history)
            total, distinct = total.unsqueeze(1), distinct.unsqueeze(1)
        else:
            counts = level.counts.lookup(history * self.vocab_size + nexts)
        seen = total > 0
        denominator = torch.where(seen, total, 1.0)  # no 0/0 where the result is unused
        own = (counts - self.discount).clamp_min(0.0) / denominator
        weight = self.discount * distinct / denominator
        return own, weight, seen

    def _interpolate(self, contexts: torch.Tensor, nexts: torch.Tensor | None) -> torch.Tensor:
        shape = (len(contexts), self.vocab_size) if nexts is None else (len(contexts),)
        probs = torch.full(shape, 1.0 / self.vocab_size, dtype=torch.float64)
        for n in range(1, self.order + 1):
            own, weight, seen = self._step(n, contexts, nexts)
            # Grouped as the formula reads: (max(c − D, 0) + D·N1+·P) / c(h).
            probs = torch.where(seen, own + weight * probs, probs)
        return probs

    # --- the public views -------------------------------------------------------------------

    def probs(self, contexts: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(· | h) for each context (B, N−1) of token ids: a (B, V) float64 tensor."""
        return self._interpolate(self._contexts(contexts), None)

    def row(self, context: Iterable[int]) -> torch.Tensor:
        """P(· | h) for one context, a tuple of N−1 token ids: a (V,) float64 tensor."""
        return self.probs(torch.tensor([list(context)], dtype=torch.long).reshape(1, -1))[0]

    def window_probs(self, windows: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(last token | the N−1 before it) for each window (W, N): (W,) float64."""
        windows = as_windows(windows)
        return self._interpolate(self._contexts(windows[:, :-1]), windows[:, -1])

    def contributions(
        self, contexts: torch.Tensor | np.ndarray, nexts: torch.Tensor | np.ndarray
    ) -> torch.Tensor:
        """How much of P(next | h) each order gives: (B, N+1), column n for order n.

        Unrolled, P_N = own_N + weight_N·(own_(N−1) + weight_(N−1)·(… + weight_1/V)), so
        order n gives own_n times the weights of every order above it, and column 0 is the
        uniform 1/V times all the weights. A context unseen at an order has own 0 and
        weight 1 there. The row sums to P(next | h).
        """
        contexts = self._contexts(contexts)
        nexts = torch.as_tensor(nexts).long().reshape(-1)
        columns = torch.zeros(len(contexts), self.order + 1, dtype=torch.float64)
        carried = torch.ones(len(contexts), dtype=torch.float64)
        for n in range(self.order, 0, -1):
            own, weight, seen = self._step(n, contexts, nexts)
            columns[:, n] = torch.where(seen, carried * own, 0.0)
            carried = torch.where(seen, carried * weight, carried)
        columns[:, 0] = carried / self.vocab_size
        return columns

    def log_likelihood(self, windows: torch.Tensor | np.ndarray) -> float:
        """Σ log P(last | context) over the windows (W, N), in nats (−inf if one P is 0)."""
        return float(self.window_probs(windows).log().sum())

    def mean_nll(self, windows: torch.Tensor | np.ndarray) -> float:
        """The mean negative log-likelihood per window (nan for no windows)."""
        windows = as_windows(windows)
        if len(windows) == 0:
            return math.nan
        return -self.log_likelihood(windows) / len(windows)


def best_discount(
    model: KneserNey, dev_windows: torch.Tensor | np.ndarray, discounts: Iterable[float] = DISCOUNTS
) -> tuple[float, dict[float, float]]:
    """The D of `discounts` with the least dev NLL (the first on a tie), and every D's NLL."""
    dev_windows = as_windows(dev_windows)
    scores = {d: model.with_discount(d).mean_nll(dev_windows) for d in discounts}
    if not scores:
        raise ValueError("no discount to choose from")
    return min(scores, key=lambda d: scores[d]), scores
