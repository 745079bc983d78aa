"""NG's grid: every (order, smoothing) cell fitted on train, scored on train and dev, the
best cell on dev tested once. The smoothing is add-k's k or Kneser–Ney's discount D.

Add-k scores every k of an order in one pass (core.sweeps.mean_nll_for_ks); Kneser–Ney
counts its tables once per order and only changes D (KneserNeyModel.with_discount).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .convergence import Cancel
from .counts import NgramCounts
from .errors import SweepCancelled
from .kn_model import KneserNeyModel
from .params import (
    SMOOTHING_METHODS,
    ParameterError,
    check_discount,
    check_order,
    check_smoothing,
)
from .scoring import perplexity, score_counts
from .sweeps import Progress, mean_nll_for_ks

ADDK, KN = SMOOTHING_METHODS
PartCounts = Callable[[int], tuple[NgramCounts, NgramCounts, NgramCounts]]


@dataclass(frozen=True)
class GridCell:
    order: int
    value: float  # k for add-k, D for Kneser–Ney
    train_nll: float  # mean NLL of train under the model fitted on it
    dev_nll: float

    @property
    def train_perplexity(self) -> float:
        return perplexity(self.train_nll)

    @property
    def dev_perplexity(self) -> float:
        return perplexity(self.dev_nll)


@dataclass(frozen=True)
class Grid:
    method: str  # "addk" or "kn"
    cells: tuple[GridCell, ...]  # orders in the order given, each with every value
    best: GridCell  # the first cell of least dev NLL
    test_nll: float  # the best cell's, measured once

    @property
    def test_perplexity(self) -> float:
        return perplexity(self.test_nll)


def _check(method: str, orders: Sequence[int], values: Sequence[float]) -> tuple:
    if method not in SMOOTHING_METHODS:
        raise ParameterError(
            "smoothing method", f"unknown {method!r}; choose {' or '.join(SMOOTHING_METHODS)}"
        )
    if not orders or not values:
        raise ParameterError("grid", "needs at least one order and one value")
    check_value = check_smoothing if method == ADDK else check_discount
    return tuple(map(check_order, orders)), tuple(map(check_value, values))


def grid(
    parts: PartCounts,
    orders: Sequence[int],
    values: Sequence[float],
    method: str = ADDK,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> Grid:
    """Each order's train, dev and test counts come from `parts(order)`."""
    orders, values = _check(method, orders, values)
    cells: list[GridCell] = []
    for done, order in enumerate(orders):
        if cancel is not None and cancel.is_set():
            raise SweepCancelled("grid cancelled")
        train, dev, _ = parts(order)
        if method == ADDK:
            train_nll = mean_nll_for_ks(train, train, values).tolist()
            dev_nll = mean_nll_for_ks(train, dev, values).tolist()
        else:
            base = KneserNeyModel.fit(train, values[0])
            models = [base.with_discount(d) for d in values]
            train_nll = [score_counts(m, train).mean_nll for m in models]
            dev_nll = [score_counts(m, dev).mean_nll for m in models]
        cells += [GridCell(order, v, t, d) for v, t, d in zip(values, train_nll, dev_nll)]
        if progress is not None:
            progress(done + 1, len(orders))
    # NG keeps a cell only if its dev loss is strictly lower: the first of equal minima.
    best = min(cells, key=lambda cell: (math.isnan(cell.dev_nll), cell.dev_nll))
    train, _, test = parts(best.order)
    if method == ADDK:
        test_nll = float(mean_nll_for_ks(train, test, [best.value])[0])
    else:
        test_nll = score_counts(KneserNeyModel.fit(train, best.value), test).mean_nll
    return Grid(method, tuple(cells), best, test_nll)
