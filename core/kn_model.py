"""Interpolated Kneser–Ney as a model of the one family (core.model.NextTokenModel).

core.kneser_ney computes on token windows; this adapter gives it the counts model's face,
so scoring, both samplers, the sweeps, the session and the CLI use it as they use add-k.
Its tables are made from the training NgramCounts of either convention (the lecture's
padding or NG's stream): the counts' sorted ids are the windows' ids, so nothing is
counted twice. An unseen context backs off to the lower orders, so unseen contexts do not
share one row (`unseen_row` is None), and every P is > 0 for D > 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .counts import NgramCounts, digits_of
from .kneser_ney import DISCOUNTS, KneserNey
from .model import NEXT_NEVER_SEEN, SEEN, FittedOnCounts
from .params import check_discount
from .window_counts import WindowCounts

DEFAULT_DISCOUNT = 0.75  # without a dev part to choose on: the middle of DISCOUNTS
__all__ = ["DEFAULT_DISCOUNT", "DISCOUNTS", "KneserNeyModel", "check_discount"]


def kneser_ney_of(counts: NgramCounts, discount: float = DEFAULT_DISCOUNT) -> KneserNey:
    """The Kneser–Ney tables of training counts (they do not depend on D)."""
    top = WindowCounts.from_ids(counts.ids, counts.counts, counts.vocab.size, counts.order)
    return KneserNey.from_top(top, check_discount(discount))


@dataclass(frozen=True)
class KneserNeyModel(FittedOnCounts):
    """P(next | context) by interpolated Kneser–Ney with discount D, fitted on `counts`."""

    counts: NgramCounts
    tables: KneserNey

    @classmethod
    def fit(cls, counts: NgramCounts, discount: float = DEFAULT_DISCOUNT) -> KneserNeyModel:
        return cls(counts, kneser_ney_of(counts, discount))

    def with_discount(self, discount: float) -> KneserNeyModel:
        """The same tables with another D: a sweep of D counts nothing again."""
        return KneserNeyModel(self.counts, self.tables.with_discount(check_discount(discount)))

    @property
    def discount(self) -> float:
        return self.tables.discount

    @property
    def name(self) -> str:
        return f"kn D={self.discount:g}"

    def unseen_row(self) -> torch.Tensor | None:
        return None  # each unseen context backs off to its own shorter context

    def _contexts(self, context_ids: torch.Tensor) -> torch.Tensor:
        return digits_of(context_ids.long(), self.vocab.size, self.order - 1)

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        return self.tables.probs(self._contexts(context_ids))

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        windows = torch.cat([self._contexts(context_ids), nexts.long().reshape(-1, 1)], dim=1)
        probs = self.tables.window_probs(windows)
        # Only D = 0 leaves a P at 0: the top order's raw counts, where this next never
        # followed the context.
        reasons = torch.where(probs > 0, SEEN, NEXT_NEVER_SEEN)
        with torch.no_grad():
            logs = torch.where(probs > 0, probs.clamp_min(1e-300).log(), -math.inf)
        return logs, reasons

    def contributions(self, context_ids: torch.Tensor, nexts: torch.Tensor) -> torch.Tensor:
        """How much of each P each order gives, (B, N+1), column n for order n (0: 1/V)."""
        return self.tables.contributions(self._contexts(context_ids), nexts)
