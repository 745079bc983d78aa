"""Sparse counts of token windows: each window one base-V integer, counted with torch.unique.

A window of n token ids (c_0, …, c_(n−1)), oldest first, is the integer

    c_0·V^(n−1) + … + c_(n−2)·V + c_(n−1)

so the sorted ids group windows by their first n−1 tokens (the context), and within a
context by the last token. Only the windows that occur are kept, so an order-6 table over
27 tokens holds a few hundred thousand entries, not 27^6. Lookups are `searchsorted`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

_INT64_MAX = 2**63 - 1


def as_windows(windows: torch.Tensor | np.ndarray) -> torch.Tensor:
    """The windows as a 2-D int64 tensor (W, n), from a tensor or a numpy array."""
    tensor = torch.as_tensor(windows)
    if tensor.dim() != 2:
        raise ValueError(f"windows must be 2-D (W, n), not of shape {tuple(tensor.shape)}")
    return tensor.long()


def check_windows(windows: torch.Tensor | np.ndarray, width: int, vocab_size: int) -> torch.Tensor:
    """`as_windows`, checking that each row holds `width` ids from 0 to vocab_size − 1."""
    tensor = as_windows(windows)
    if width < 1 or tensor.shape[1] != width:
        raise ValueError(f"order {width} needs windows of {width} tokens, not {tensor.shape[1]}")
    if tensor.numel() and (int(tensor.min()) < 0 or int(tensor.max()) >= vocab_size):
        raise ValueError(f"token ids must be from 0 to {vocab_size - 1}")
    return tensor


def encode_windows(windows: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """The base-V id of each row of `windows` (W, n), int64; a 0-wide window is id 0."""
    width = windows.shape[1]
    if vocab_size**width > _INT64_MAX:
        raise ValueError(f"{vocab_size}^{width} window ids do not fit 64-bit integers")
    ids = torch.zeros(windows.shape[0], dtype=torch.long)
    for column in range(width):  # a loop over the window's width, never over windows
        ids = ids * vocab_size + windows[:, column]
    return ids


@dataclass(frozen=True)
class WindowCounts:
    """The distinct windows of one width, sorted by id, with a value each (a count).

    `values` are float64 so that a count and a continuation count (how many distinct
    tokens precede a window) share one type and the arithmetic on them is exact.
    """

    vocab_size: int
    width: int
    ids: torch.Tensor  # sorted unique window ids, int64
    values: torch.Tensor  # float64, one per id, all > 0

    @classmethod
    def count(cls, windows: torch.Tensor, vocab_size: int) -> WindowCounts:
        """How often each distinct row of `windows` (W, n) occurs."""
        windows = as_windows(windows)
        ids, counts = unique_counts(encode_windows(windows, vocab_size))
        return cls(vocab_size, windows.shape[1], ids, counts)

    @classmethod
    def from_ids(
        cls, ids: torch.Tensor, values: torch.Tensor, vocab_size: int, width: int
    ) -> WindowCounts:
        """A table from sorted unique ids and their values (no check that they are sorted)."""
        return cls(vocab_size, width, ids.long(), values.double())

    def __len__(self) -> int:
        return len(self.ids)

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """The value of each window id, 0 for one that never occurs (float64, ids' shape)."""
        ids = ids.long()
        if len(self.ids) == 0:
            return torch.zeros(ids.shape, dtype=torch.float64)
        where = torch.searchsorted(self.ids, ids).clamp_max(len(self.ids) - 1)
        return torch.where(self.ids[where] == ids, self.values[where], 0.0)

    def rows(self, context_ids: torch.Tensor) -> torch.Tensor:
        """Values of (context, w) for every next token w: len(context_ids) × V, float64."""
        size = self.vocab_size
        ids = context_ids.long().unsqueeze(1) * size + torch.arange(size)
        return self.lookup(ids)

    def by_context(self) -> ContextTotals:
        """Per context (the first width−1 tokens): the sum of values and the entries."""
        contexts, inverse = torch.unique_consecutive(
            self.ids // self.vocab_size, return_inverse=True
        )
        totals = torch.zeros(len(contexts), dtype=torch.float64).index_add_(0, inverse, self.values)
        distinct = torch.bincount(inverse, minlength=len(contexts)).double()
        return ContextTotals(contexts, totals, distinct)

    def suffix_counts(self) -> WindowCounts:
        """For each window g one token shorter: how many distinct x make a window x·g here.

        This is Kneser–Ney's continuation count. Every id here is distinct, so the
        number of ids whose last width−1 tokens are g is that count.
        """
        ids, counts = unique_counts(self.ids % (self.vocab_size ** (self.width - 1)))
        return WindowCounts(self.vocab_size, self.width - 1, ids, counts)


@dataclass(frozen=True)
class ContextTotals:
    """The contexts of a table, sorted, with Σ_w value(h w) and the number of such w."""

    ids: torch.Tensor  # sorted context ids, int64
    totals: torch.Tensor  # float64, c(h) = Σ_w c(h w)
    distinct: torch.Tensor  # float64, N1+(h •): how many w have c(h w) > 0

    def find(self, context_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(c(h), N1+(h •)) of each context id, both 0 for a context never seen."""
        context_ids = context_ids.long()
        if len(self.ids) == 0:
            zeros = torch.zeros(context_ids.shape, dtype=torch.float64)
            return zeros, zeros.clone()
        where = torch.searchsorted(self.ids, context_ids).clamp_max(len(self.ids) - 1)
        found = self.ids[where] == context_ids
        return (
            torch.where(found, self.totals[where], 0.0),
            torch.where(found, self.distinct[where], 0.0),
        )


def unique_counts(ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The sorted distinct ids (int64) and how often each occurs (float64).

    numpy sorts integers several times faster than torch on the CPU (2 ms against 9 ms
    for names.txt's 228k windows), and the sort is nearly all of the counting.
    """
    ordered = np.sort(ids.long().numpy())
    if len(ordered) == 0:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.float64)
    new = np.empty(len(ordered), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=len(ordered)).astype(np.float64)
    return torch.from_numpy(ordered[starts]), torch.from_numpy(counts)


def shorter_runs(ids: torch.Tensor, vocab_size: int, width: int) -> torch.Tensor:
    """The distinct runs of width−1 tokens inside the distinct runs `ids` of `width`.

    A run shorter than a window lies inside it, so it is the first or the last width−1
    tokens of a run one longer: prefixes and suffixes of the distinct (m+1)-runs are all
    the distinct m-runs. Applied from the windows down, this gives every order's runs of
    the sequences themselves, as long as each sequence is at least one window long.
    """
    prefixes = ids // vocab_size
    suffixes = ids % (vocab_size ** (width - 1))
    distinct, _ = unique_counts(torch.cat([prefixes, suffixes]))
    return distinct
