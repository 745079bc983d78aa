"""Counting n-grams chunk by chunk in bounded memory, with no Python loop per n-gram.

Each chunk of words becomes a *run*: its distinct n-gram ids, sorted, with their counts
and the index of the example where each first occurs. Runs are kept on a stack and merged
like a binary counter (a run is merged into the one below once that one is no more than
twice its size), so every entry is merged O(log chunks) times and memory stays a small
multiple of the distinct n-grams seen. numpy does the sorting: its integer sort is several
times faster than torch's on the CPU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .vocab import BOUNDARY, Vocab

_LOW_32 = (1 << 32) - 1


def padded_text(words: Sequence[str], order: int) -> str:
    # '.'*(n−1) + w1 + '.' + '.'*(n−1) + w2 + '.' …: one C-level join, no loop per word.
    pad = BOUNDARY * (order - 1)
    return pad + (BOUNDARY + pad).join(words) + BOUNDARY


def _code_points(text: str) -> np.ndarray:
    if text.isascii():  # one byte per character: a quarter of UTF-32's memory
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def encode_padded(words: Sequence[str], vocab: Vocab, order: int) -> np.ndarray:
    """Token indices (int64) of the padded words, concatenated.

    Raises KeyError naming the characters outside the vocabulary.
    """
    code_points = _code_points(padded_text(words, order))
    vocab_points = np.array([ord(ch) for ch in vocab.itos], dtype=np.int64)
    lookup = np.full(max(int(code_points.max()), int(vocab_points.max())) + 1, -1, np.int64)
    lookup[vocab_points] = np.arange(vocab.size)
    indices = lookup[code_points]
    if (indices < 0).any():
        unknown = sorted(chr(c) for c in np.unique(code_points[indices < 0]).tolist())
        raise KeyError(f"characters outside the vocabulary: {unknown!r}")
    return indices


def ngram_ids(words: Sequence[str], vocab: Vocab, order: int) -> np.ndarray:
    """The base-V id (int64) of every example's n-gram, in data order."""
    stream = encode_padded(words, vocab, order)
    count = len(stream) - order + 1
    ids = stream[:count].copy()
    for j in range(1, order):  # a loop over the order, never over n-grams
        ids *= vocab.size
        ids += stream[j : j + count]
    # Each word's block is n−1 pads, the word, '.': the n−1 windows that end in a block's
    # leading pads straddle two words, and are not examples.
    blocks = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + order
    block_starts = np.cumsum(blocks) - blocks
    keep = np.ones(count, dtype=bool)
    for j in range(1, order):
        keep[block_starts[1:] + j - order] = False
    return ids[keep]


@dataclass(frozen=True)
class Run:
    """Sorted distinct ids (int64), their counts and first example index (int64)."""

    ids: np.ndarray
    counts: np.ndarray
    first: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _group_starts(ordered: np.ndarray) -> np.ndarray:
    new_group = np.empty(len(ordered), dtype=bool)
    new_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    return np.flatnonzero(new_group)


def chunk_run(ids: np.ndarray, offset: int) -> Run:
    """The run of one chunk's ids; `offset` is the index of its first example overall."""
    n = len(ids)
    if n and int(ids.max()) < 2**31 and offset + n <= _LOW_32:
        # Packing (id, position) into one integer lets a plain sort, not an argsort, order
        # by id and then by position: the first of each id is where it first occurs.
        keys = (ids << 32) | np.arange(offset, offset + n, dtype=np.int64)
        keys.sort()
        ordered, first = keys >> 32, keys & _LOW_32
    else:
        where = np.argsort(ids, kind="stable")
        ordered, first = ids[where], where + offset
    starts = _group_starts(ordered)
    counts = np.diff(np.append(starts, n))
    return Run(ordered[starts], counts, first[starts])


def merge_runs(earlier: Run, later: Run) -> Run:
    """One run of two, `earlier` holding data before `later`."""
    ids = np.concatenate([earlier.ids, later.ids])
    # Timsort finds the two sorted runs and merges them in one linear pass; being stable,
    # it puts earlier's entry first among equal ids, so a group's first is its least.
    where = np.argsort(ids, kind="stable")
    ids = ids[where]
    counts = np.concatenate([earlier.counts, later.counts])[where]
    first = np.concatenate([earlier.first, later.first])[where]
    del where
    starts = _group_starts(ids)
    if len(starts) == len(ids):
        return Run(ids, counts, first)
    return Run(ids[starts], np.add.reduceat(counts, starts), first[starts])


def reencode(run: Run, old: Vocab, new: Vocab, order: int) -> Run:
    """The same n-grams written with a larger vocabulary.

    Both vocabularies are sorted, so the map from old to new index is increasing: the
    digits keep their lexicographic order and the ids stay sorted.
    """
    index_map = np.array([new.stoi[ch] for ch in old.itos], dtype=np.int64)
    remaining = run.ids.copy()
    ids = np.zeros_like(remaining)
    scale = 1
    for _ in range(order):  # least significant digit first
        remaining, digit = np.divmod(remaining, old.size)
        ids += index_map[digit] * scale
        scale *= new.size
    return Run(ids, run.counts, run.first)


class RunStack:
    """Runs in data order, merged as a binary counter keeps its digits."""

    def __init__(self) -> None:
        self.runs: list[Run] = []

    def push(self, run: Run) -> None:
        self.runs.append(run)
        while len(self.runs) >= 2 and len(self.runs[-2]) <= 2 * len(self.runs[-1]):
            later = self.runs.pop()
            self.runs[-1] = merge_runs(self.runs[-1], later)

    def reencode(self, old: Vocab, new: Vocab, order: int) -> None:
        self.runs = [reencode(run, old, new, order) for run in self.runs]

    def result(self) -> Run | None:
        while len(self.runs) >= 2:
            later = self.runs.pop()
            self.runs[-1] = merge_runs(self.runs[-1], later)
        return self.runs[0] if self.runs else None
