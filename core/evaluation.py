"""Evaluation on a train/dev/test split: the table of orders, and the k and λ sweeps at one order.

Models are fitted on train only; dev and test are only scored (see core.split). Counting a
part is the slow step, so `Evaluation` counts each order once and keeps it; scoring at a new
k or sweeping reuses those counts. Everything here may run on a worker thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .convergence import Cancel
from .counts import NgramCounts, count_split
from .data import read_words
from .model import NgramModel
from .neural import TABLE
from .params import MAX_ORDER, MIN_ORDER, check_order
from .scoring import DatasetScore, Unseen, score_counts, unseen_in
from .split import SPLIT_FRACTIONS, SPLIT_SEED, WordSplit, split_words
from .sweeps import (
    KSweep,
    LambdaSweep,
    Partial,
    Progress,
    SweepCancelled,
    k_sweep,
    lambda_sweep,
)

ORDERS = tuple(range(MIN_ORDER, MAX_ORDER + 1))
PARTS = ("train", "dev", "test")


@dataclass(frozen=True)
class PartScore:
    """One part of the split scored by the counts model of train, and what train never shows."""

    part: str  # "train", "dev" or "test"
    score: DatasetScore
    unseen: Unseen  # what of this part train never shows

    @property
    def mean_nll(self) -> float:
        return self.score.mean_nll

    @property
    def perplexity(self) -> float:
        return self.score.perplexity

    def inf_reason(self) -> str | None:
        """Why the mean NLL is inf, in words, or None when it is finite."""
        if not self.score.infinite:
            return None
        return self.unseen.describe(self.part)


@dataclass(frozen=True)
class OrderRow:
    """Train, dev and test scored at one order and one k."""

    order: int
    k: float
    train: PartScore
    dev: PartScore
    test: PartScore

    @property
    def parts(self) -> tuple[PartScore, PartScore, PartScore]:
        return self.train, self.dev, self.test


def score_part(part: str, train: NgramCounts, data: NgramCounts, k: float) -> PartScore:
    return PartScore(part, score_counts(NgramModel(train, k), data), unseen_in(train, data))


class Evaluation:
    """A split with its counts at each order, counted once on first use (thread-safe)."""

    def __init__(self, split: WordSplit, texts: tuple[str, str, str] | None = None) -> None:
        self.split = split
        # The parts as NG's streams (see core.stream), or None for the lecture's padding.
        self.texts = texts
        self._counts: dict[int, tuple[NgramCounts, NgramCounts, NgramCounts]] = {}
        self._lock = threading.Lock()
        self._k_sweeps: dict[int, KSweep] = {}  # the default grid's, per order

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        fractions: Sequence[float] = SPLIT_FRACTIONS,
        seed: int = SPLIT_SEED,
    ) -> Evaluation:
        """Read a word list (errors as core.data.DataError) and split it."""
        return cls(split_words(read_words(path), fractions, seed))

    def counts(self, order: int) -> tuple[NgramCounts, NgramCounts, NgramCounts]:
        """Train, dev and test counted at `order`."""
        order = check_order(order)
        with self._lock:
            if order not in self._counts:
                if self.texts is None:
                    self._counts[order] = count_split(self.split, order)
                else:
                    vocab = self.split.vocab
                    train, dev, test = (
                        NgramCounts.from_stream(t, vocab, order) for t in self.texts
                    )
                    self._counts[order] = (train, dev, test)
            return self._counts[order]

    def row(self, order: int, k: float) -> OrderRow:
        train, dev, test = self.counts(order)
        return OrderRow(
            order,
            k,
            score_part("train", train, train, k),
            score_part("dev", train, dev, k),
            score_part("test", train, test, k),
        )

    def table(
        self,
        k: float,
        orders: Iterable[int] = ORDERS,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> list[OrderRow]:
        orders = tuple(orders)
        rows = []
        for done, order in enumerate(orders):
            _check_cancel(cancel)
            rows.append(self.row(order, k))
            if progress is not None:
                progress(done + 1, len(orders))
        return rows

    def k_sweep(
        self,
        order: int,
        ks: Sequence[float] | None = None,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> KSweep:
        if ks is None and order in self._k_sweeps:
            # The pane's own order and its every-order view both ask for it: swept once.
            if progress is not None:
                progress(1, 1)
            return self._k_sweeps[order]
        train, dev, test = self.counts(order)
        sweep = k_sweep(train, dev, test, ks, progress=progress, cancel=cancel)
        if ks is None:
            self._k_sweeps[order] = sweep
        return sweep

    def lambda_sweep(
        self,
        order: int,
        lambdas: Sequence[float] | None = None,
        *,
        kind: str = TABLE,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        partial: Partial | None = None,
    ) -> LambdaSweep:
        train, dev, test = self.counts(order)
        return lambda_sweep(train, dev, test, lambdas, kind=kind, progress=progress,
                            cancel=cancel, partial=partial)  # fmt: skip


def stream_texts(split: WordSplit) -> tuple[str, str, str]:
    """Each part of a word split as one stream: every word followed by the newline."""
    train, dev, test = ("".join(word + "\n" for word in part) for part in
                        (split.train, split.dev, split.test))  # fmt: skip
    return train, dev, test


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SweepCancelled("evaluation cancelled")


def order_table(split: WordSplit, k: float, orders: Iterable[int] = ORDERS) -> list[OrderRow]:
    """Train, dev and test mean NLL of the counts model at `k`, for each order."""
    return Evaluation(split).table(k, orders)
