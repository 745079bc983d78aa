"""Counting n-grams chunk by chunk in bounded memory, with no Python loop per n-gram.

Each chunk of words becomes a *run*: its distinct n-gram ids, sorted, with their counts
and the index of the example where each first occurs. Runs are kept on a stack and merged
like a binary counter (a run is merged into the one below once that one is no more than
twice its size), so every entry is merged O(log chunks) times and memory stays a small
multiple of the distinct n-grams seen. numpy does the sorting: its integer sort is several
times faster than torch's on the CPU. Where the id space is small, each id's first position
is scattered into a table over the space instead of sorted with it: a space no larger than
the chunk (orders 1–3) is tallied outright, a middling one (order 4) sorts the ids alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

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


class UnknownCharacters(KeyError):
    """Characters of the words that the vocabulary lacks; `chars` lists them, sorted."""

    def __init__(self, chars: list[str]) -> None:
        self.chars = chars
        super().__init__(f"characters outside the vocabulary: {chars!r}")


def _index_dtype(vocab_size: int, order: int) -> type[np.signedinteger]:
    # int32 arithmetic halves the memory traffic of a chunk whenever V^n allows it.
    return np.int32 if vocab_size**order < 2**31 else np.int64


def encode_padded(
    words: Sequence[str], vocab: Vocab, order: int, dtype: type[np.signedinteger] = np.int64
) -> np.ndarray:
    """Token indices of the padded words, concatenated.

    Raises KeyError naming the characters outside the vocabulary.
    """
    code_points = _code_points(padded_text(words, order))
    vocab_points = np.array([ord(ch) for ch in vocab.itos], dtype=np.int64)
    lookup = np.full(max(int(code_points.max()), int(vocab_points.max())) + 1, -1, dtype)
    lookup[vocab_points] = np.arange(vocab.size)
    indices = lookup[code_points]
    if (indices < 0).any():
        raise UnknownCharacters(
            sorted(chr(c) for c in np.unique(code_points[indices < 0]).tolist())
        )
    return indices


def ngram_ids(words: Sequence[str], vocab: Vocab, order: int) -> np.ndarray:
    """The base-V id of every example's n-gram, in data order (int32 if V^n < 2^31)."""
    stream = encode_padded(words, vocab, order, _index_dtype(vocab.size, order))
    count = len(stream) - order + 1
    ids = stream[:count].copy() if order == 1 else stream[:count] * vocab.size
    for j in range(1, order):  # a loop over the order, never over n-grams
        if j > 1:
            ids *= vocab.size
        ids += stream[j : j + count]
    del stream
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
    """The distinct n-grams of a stretch of data, sorted by id, with counts and first index.

    Packed (first is None): keys = id << 32 | first, one int64 per n-gram, counts uint32.
    This holds while ids < 2^31 and example indices < 2^32, and halves the memory of a run.
    Otherwise keys = ids, counts int64 and `first` its own int64 array.
    """

    keys: np.ndarray
    counts: np.ndarray
    first: np.ndarray | None

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def packed(self) -> bool:
        return self.first is None

    @property
    def ids(self) -> np.ndarray:
        return self.keys >> 32 if self.first is None else self.keys

    @property
    def first_seen(self) -> np.ndarray:
        return self.keys & _LOW_32 if self.first is None else self.first


def _group_starts(ordered: np.ndarray) -> np.ndarray:
    new_group = np.empty(len(ordered), dtype=bool)
    new_group[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new_group[1:])
    return np.flatnonzero(new_group)


def _collapse(keys: np.ndarray, counts: np.ndarray, first: np.ndarray | None) -> Run:
    """Sum the counts of equal ids; sorted keys put each id's earliest occurrence first."""
    starts = _group_starts(keys >> 32 if first is None else keys)
    if len(starts) == len(keys):
        return Run(keys, counts, first)
    # Prefix sums at the group ends: faster than np.add.reduceat on these arrays.
    totals = np.cumsum(counts, dtype=np.int64)[np.append(starts[1:], len(keys)) - 1]
    summed = np.diff(totals, prepend=0).astype(counts.dtype)
    return Run(keys[starts], summed, None if first is None else first[starts])


def can_pack(vocab_size: int, order: int, examples: int) -> bool:
    return vocab_size**order <= 2**31 and examples <= _LOW_32


def _first_positions(tokens: torch.Tensor, space: int) -> torch.Tensor:
    """For every id below `space`, the position where `tokens` (int64) first holds it: a
    scatter of the least position, no sort (len(tokens) where it never occurs)."""
    positions = torch.arange(len(tokens), dtype=torch.int32 if len(tokens) < 2**31 else torch.int64)
    first = torch.full((space,), len(tokens), dtype=positions.dtype)
    return first.scatter_reduce_(0, tokens, positions, "amin")


def _tallied_run(ids: np.ndarray, offset: int) -> Run:
    """The packed run of ids from a space no larger than their number: a tally per possible
    id and each id's first position, with no sort at all."""
    tokens = torch.from_numpy(ids).long()
    tally = torch.bincount(tokens)
    first = _first_positions(tokens, len(tally))
    present = tally.nonzero().squeeze(1)
    keys = (present << 32) | (first[present].long() + offset)
    return Run(keys.numpy(), tally[present].numpy().astype(np.uint32), None)


def _sorted_run(ids: np.ndarray, offset: int) -> Run:
    """The packed run of any ids: sorted with their positions."""
    # Packing (id, position) into one integer lets a plain sort, not an argsort, order
    # by id and then by position: the first of each id is where it first occurs.
    keys = ids.astype(np.int64)
    keys <<= 32  # in place: a chunk's keys are the largest arrays of a count
    keys |= np.arange(offset, offset + len(ids), dtype=np.int64)
    keys.sort()
    starts = _group_starts(keys >> 32)
    counts = np.diff(starts, append=len(keys)).astype(np.uint32)
    return Run(keys[starts], counts, None)


def _first_found_run(ids: np.ndarray, offset: int, space: int) -> Run:
    """The packed run of ids from a space of at most _FIRST_TABLE_LIMIT: the ids sorted alone
    (32-bit, half the bytes of packed keys) and each id's first position scattered into a
    table over the whole space."""
    ordered = np.sort(ids)
    starts = _group_starts(ordered)
    present = ordered[starts]
    counts = np.diff(starts, append=len(ordered)).astype(np.uint32)
    first = _first_positions(torch.from_numpy(ids).long(), space)
    keys = present.astype(np.int64)
    keys <<= 32
    keys |= first.numpy()[present].astype(np.int64) + offset
    return Run(keys, counts, None)


_FIRST_TABLE_LIMIT = 1 << 20  # ids below this get a table of first positions (4 MB)


def chunk_run(ids: np.ndarray, offset: int, packed: bool) -> Run:
    """The run of one chunk's ids; `offset` is the index of its first example overall."""
    space = int(ids.max()) + 1 if len(ids) else 0
    if packed and space <= len(ids):
        # A low order's ids repeat many times over: tallying them beats sorting them.
        return _tallied_run(ids, offset)
    if packed and space <= _FIRST_TABLE_LIMIT:
        return _first_found_run(ids, offset, space)
    if packed:
        return _sorted_run(ids, offset)
    ids = ids.astype(np.int64)
    where = np.argsort(ids, kind="stable")
    ordered = ids[where]
    starts = _group_starts(ordered)
    return Run(ordered[starts], np.diff(starts, append=len(ids)), where[starts] + offset)


def merge_runs(earlier: Run, later: Run) -> Run:
    """One run of two, `earlier` holding data before `later`."""
    keys = np.concatenate([earlier.keys, later.keys])
    # Timsort finds the two sorted runs and merges them in one linear pass; being stable,
    # it keeps earlier's entry first among equal unpacked ids, so a group's first is least.
    where = np.argsort(keys, kind="stable")
    keys = keys[where]
    counts = np.concatenate([earlier.counts, later.counts])[where]
    first = None
    if earlier.first is not None and later.first is not None:
        first = np.concatenate([earlier.first, later.first])[where]
    del where
    return _collapse(keys, counts, first)


def unpack(run: Run) -> Run:
    if run.first is None:
        return Run(run.keys >> 32, run.counts.astype(np.int64), run.keys & _LOW_32)
    return run


def reencode(run: Run, old: Vocab, new: Vocab, order: int) -> Run:
    """The same n-grams written with a larger vocabulary (returned unpacked).

    Both vocabularies are sorted, so the map from old to new index is increasing: the
    digits keep their lexicographic order and the ids stay sorted.
    """
    run = unpack(run)
    index_map = np.array([new.stoi[ch] for ch in old.itos], dtype=np.int64)
    remaining = run.keys.copy()
    ids = np.zeros_like(remaining)
    scale = 1
    for _ in range(order):  # least significant digit first
        remaining, digit = np.divmod(remaining, old.size)
        ids += index_map[digit] * scale
        scale *= new.size
    return Run(ids, run.counts, run.first)


def pack(run: Run) -> Run:
    if run.first is None:
        return run
    return Run((run.keys << 32) | run.first, run.counts.astype(np.uint32), None)


_PARTITIONS = 16


class RunStack:
    """Runs in data order, merged as a binary counter keeps its digits.

    The id space is cut into ranges, each with its own stack: a merge then handles one
    range, so the temporary arrays of merging are a fraction of the table, not twice it.
    """

    def __init__(self, vocab_size: int, order: int) -> None:
        self.space = vocab_size**order
        self.packed = can_pack(vocab_size, order, 0)
        self.stacks: list[list[Run]] = [[] for _ in range(_PARTITIONS)]

    def _split(self, run: Run) -> list[Run]:
        bounds = [self.space * i // _PARTITIONS for i in range(1, _PARTITIONS)]
        search = np.array(bounds, dtype=np.int64)
        if run.packed:
            search = search << 32
        cuts = [0, *np.searchsorted(run.keys, search).tolist(), len(run)]
        first = run.first
        return [
            Run(
                run.keys[a:b],
                run.counts[a:b],
                None if first is None else first[a:b],
            )
            for a, b in itertools.pairwise(cuts)
        ]

    def push(self, run: Run) -> None:
        for stack, part in zip(self.stacks, self._split(run)):
            if len(part) == 0:
                continue
            stack.append(part)
            while len(stack) >= 2 and len(stack[-2]) <= 2 * len(stack[-1]):
                later = stack.pop()
                stack[-1] = merge_runs(stack[-1], later)

    def _collect(self) -> Run | None:
        parts = []
        for stack in self.stacks:
            while len(stack) >= 2:
                later = stack.pop()
                stack[-1] = merge_runs(stack[-1], later)
            parts.extend(stack)
            stack.clear()
        if not parts:
            return None
        first = None if parts[0].first is None else np.concatenate([p.first for p in parts])
        keys = np.concatenate([p.keys for p in parts])
        return Run(keys, np.concatenate([p.counts for p in parts]), first)

    def regrow(self, old: Vocab, new: Vocab, order: int, examples: int) -> None:
        """Re-encode everything for a larger vocabulary (rare: only when a chunk adds one)."""
        run = self._collect()
        self.space = new.size**order
        self.packed = can_pack(new.size, order, examples)
        if run is not None:
            run = reencode(run, old, new, order)
            self.push(pack(run) if self.packed else run)

    def unpack_all(self) -> None:
        """Past 2^32 examples positions no longer pack: hold first in its own array."""
        self.packed = False
        self.stacks = [[unpack(run) for run in stack] for stack in self.stacks]

    def result(self) -> Run | None:
        return self._collect()
