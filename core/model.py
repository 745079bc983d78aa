"""Models of order n: what a model is (`NextTokenModel`), and the counts and uniform models.

    P(next | context) = (N(context, next) + k) / (N(context) + k·V)

At k=0 a context that training never shows has no distribution at all (0/0): it scores
−inf for the reason "context never seen", which is not the same as a seen context that was
never followed by this token. At k>0 the same formula gives an unseen context k/(k·V) = 1/V,
the uniform distribution. The lecture's bigram is order 2; its V×V matrix is `probs_matrix`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import torch

from .counts import NgramCounts
from .params import check_smoothing
from .vocab import Vocab

SEEN, CONTEXT_NEVER_SEEN, NEXT_NEVER_SEEN = 0, 1, 2
# A counts model keeps the rows of its observed contexts once they are asked for, up to this
# many float64 numbers (64 MB); past it, rows are made from the sparse counts on demand.
_TABLE_NUMBERS = 1 << 23
REASONS = {
    CONTEXT_NEVER_SEEN: "context never seen",
    NEXT_NEVER_SEEN: "next token never seen after this context",
}


class NextTokenModel(Protocol):
    """What scoring and sampling need from a model of order n (counts, neural, uniform)."""

    @property
    def name(self) -> str: ...
    @property
    def vocab(self) -> Vocab: ...
    @property
    def order(self) -> int: ...

    def known_contexts(self) -> torch.Tensor:
        """Context ids whose rows are worth computing together, up front (may be empty)."""
        ...

    def unseen_row(self) -> torch.Tensor | None:
        """The one row every context outside `known_contexts` has, or None if they differ.
        A sampler that wanders into unseen contexts then builds no row per context."""
        ...

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        """float64 rows P(· | context), len × V; an all-zero row means no distribution."""
        ...

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """log P(next | context) per pair, and a reason code (SEEN or why it is −inf)."""
        ...


def smoothed_probs(counts: torch.Tensor, k: float = 0.0) -> torch.Tensor:
    """Row-normalised (counts + k); a row with no counts at all stays zero rather than NaN."""
    k = check_smoothing(k)
    # Scaled by k when k is large, so that even k near the float maximum cannot overflow.
    scale = max(k, 1.0)
    pseudo_counts = counts.double() / scale + k / scale
    row_totals = pseudo_counts.sum(dim=1, keepdim=True)
    return torch.where(row_totals > 0, pseudo_counts / row_totals.clamp_min(1e-300), 0.0)


def counts_name(k: float) -> str:
    return "counts" if k == 0 else f"counts+{k:g}"


class FittedOnCounts:
    """What a model fitted on `counts` takes from them: its vocabulary, order and the
    contexts worth computing rows for up front (those training shows)."""

    counts: NgramCounts

    @property
    def vocab(self) -> Vocab:
        return self.counts.vocab

    @property
    def order(self) -> int:
        return self.counts.order

    def known_contexts(self) -> torch.Tensor:
        return self.counts.contexts


@dataclass(frozen=True)
class NgramModel(FittedOnCounts):
    """The counts model: row-normalised counts + k, computed on demand from sparse counts."""

    counts: NgramCounts
    k: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", check_smoothing(self.k))

    @property
    def name(self) -> str:
        return counts_name(self.k)

    def unseen_row(self) -> torch.Tensor:
        # k/(k·V) = 1/V for every unseen context; at k = 0 none has a distribution (zeros).
        size = self.vocab.size
        return torch.full((size,), 1.0 / size if self.k > 0 else 0.0, dtype=torch.float64)

    @cached_property
    def _known_rows(self) -> torch.Tensor | None:
        """Every observed context's row, made once, when they fit in _TABLE_NUMBERS."""
        counts = self.counts
        if len(counts.contexts) * self.vocab.size > _TABLE_NUMBERS:
            return None
        return smoothed_probs(counts.dense_rows(torch.arange(len(counts.contexts))), self.k)

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        rows = self.counts.context_rows(context_ids)
        seen = rows >= 0
        table = self._known_rows
        if table is not None:
            # A gather from the rows made once: a sampler or scorer pays per context, not draw.
            unseen = self.unseen_row()
            return torch.where(seen.unsqueeze(1), table[rows.clamp_min(0)], unseen)
        dense = torch.zeros(len(rows), self.vocab.size, dtype=torch.long)
        if bool(seen.any()):
            dense[seen] = self.counts.dense_rows(rows[seen])
        return smoothed_probs(dense, self.k)

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        counts, size = self.counts, self.vocab.size
        context_ids, nexts = context_ids.long(), nexts.long()
        rows = counts.context_rows(context_ids)
        seen_context = rows >= 0
        totals = torch.where(seen_context, counts.context_totals[rows.clamp_min(0)], 0).double()
        pair_counts = counts.lookup(context_ids * size + nexts).double()
        # Scaled by k when k is large, as smoothed_probs does, so k·V cannot overflow.
        scale = max(self.k, 1.0)
        log_probs = (pair_counts / scale + self.k / scale).log() - (
            totals / scale + size * (self.k / scale)
        ).log()
        reasons = torch.full_like(nexts, SEEN)
        if self.k == 0:
            reasons[pair_counts == 0] = NEXT_NEVER_SEEN
            reasons[~seen_context] = CONTEXT_NEVER_SEEN
            # log 0 − log 0 is NaN; a context never seen has no distribution: −inf.
            log_probs[~seen_context] = -math.inf
        return log_probs, reasons


@dataclass(frozen=True)
class UniformModel:
    """Every token equally likely, whatever the context: the model that knows nothing."""

    vocab: Vocab
    order: int = 2

    @property
    def name(self) -> str:
        return "uniform"

    def known_contexts(self) -> torch.Tensor:
        return torch.zeros(1, dtype=torch.long)

    def unseen_row(self) -> torch.Tensor | None:
        return self.next_probs(torch.zeros(1, dtype=torch.long))[0]

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        size = self.vocab.size
        return torch.full((len(context_ids), size), 1.0 / size, dtype=torch.float64)

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        log_prob = -math.log(self.vocab.size)
        return torch.full((len(nexts),), log_prob, dtype=torch.float64), torch.full_like(
            nexts.long(), SEEN
        )


def probs_matrix(model: NextTokenModel) -> torch.Tensor:
    """Every row the model has at order ≤ 2: V×V (row = the previous token) or 1×V."""
    rows = model.vocab.size if model.order == 2 else 1
    if model.order > 2:
        raise ValueError(f"a model of order {model.order} has no single matrix of rows")
    return model.next_probs(torch.arange(rows))
