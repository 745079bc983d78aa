"""Counts of character n-grams of any order, kept sparse: only the n-grams that occur.

The lecture's bigram count matrix is order 2 (core.notebook lays it out as the notebook does).

A word is padded as makemore pads it: n−1 '.' before it and one '.' after, so every order
predicts len(word)+1 tokens per word. An n-gram is one integer in base V, the oldest token
most significant:

    ngram id  = c_0·V^(n−1) + … + c_(n−2)·V + next
    context id = ngram id // V,   next = ngram id % V

so sorting n-gram ids groups them by context, and within a context by the next token, and
all contexts that share their earlier tokens form one contiguous range. Lookups are
`searchsorted` over the sorted ids; memory grows with the n-grams that occur, never with
V^(n−1).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import torch

from . import count_runs
from .data import iter_word_chunks
from .errors import NgramError
from .params import check_order
from .vocab import BOUNDARY, Vocab

if TYPE_CHECKING:
    from .split import WordSplit

_INT64_MAX = 2**63 - 1
# An id space up to this size gets a direct index (8 MB of int64): a lookup is one gather,
# several times faster than a binary search over the sorted ids.
_DIRECT_INDEX_LIMIT = 1 << 20


def max_order_for(vocab_size: int) -> int:
    """The highest order whose n-gram ids (up to V^n) fit a 64-bit integer."""
    order = 0
    while vocab_size ** (order + 1) <= _INT64_MAX:
        order += 1
    return order


def _check_fits(vocab_size: int, order: int) -> None:
    if vocab_size**order > _INT64_MAX:
        highest = max_order_for(vocab_size)
        raise NgramError(
            f"order {order} with {vocab_size:,} characters needs n-gram ids up to "
            f"{vocab_size}^{order}, beyond 64-bit integers; lower --order to {highest} or less"
        )


def _id_dtype(vocab_size: int, order: int) -> torch.dtype:
    # int32 ids halve the memory of a big model whenever V^n allows it.
    return torch.int32 if vocab_size**order < 2**31 else torch.int64


def ranked_by_count(counts: torch.Tensor, first_seen: torch.Tensor) -> torch.Tensor:
    """Indices of `counts` (1-D), largest first; ties in the order the data first shows them.

    This is the order of the notebook's In[7]: a dict filled in data order, sorted by count
    with Python's stable sort. Every most-common list uses it.
    """
    by_first = torch.argsort(first_seen, stable=True)
    return by_first[torch.sort(counts[by_first], descending=True, stable=True).indices]


def ngram_ids(words: Sequence[str], vocab: Vocab, order: int) -> torch.Tensor:
    """The id of every example's n-gram, in data order (see the module docstring), int64."""
    return torch.from_numpy(count_runs.ngram_ids(words, vocab, order).astype(np.int64))


@dataclass(frozen=True)
class CountSlice:
    """counts[last context token, next token] for contexts sharing fixed earlier tokens."""

    prefix: tuple[str, ...]
    labels: tuple[str, ...]
    counts: torch.Tensor  # int64, V × V
    contexts: int  # how many observed contexts (rows with any count) the slice covers


@dataclass(frozen=True)
class NgramCounts:
    """The observed n-grams of one order, sorted by id, with their counts."""

    vocab: Vocab
    order: int
    ids: torch.Tensor  # sorted unique n-gram ids, int32 or int64
    counts: torch.Tensor  # int64, how often each occurs
    first_seen: torch.Tensor  # int64, the index of the example where each first occurs
    words: int
    min_length: int = 0  # of the words counted
    max_length: int = 0

    @classmethod
    def from_words(
        cls, words: Sequence[str], order: int, vocab: Vocab | None = None
    ) -> NgramCounts:
        return cls.from_word_chunks([words], order, vocab)

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        order: int,
        vocab: Vocab | None = None,
        chunk_bytes: int = 1 << 20,
    ) -> NgramCounts:
        """Stream a word list from disk (errors as core.data.DataError, one line each)."""
        return cls.from_word_chunks(iter_word_chunks(path, chunk_bytes), order, vocab)

    @classmethod
    def from_word_chunks(
        cls, chunks: Iterable[Sequence[str]], order: int, vocab: Vocab | None = None
    ) -> NgramCounts:
        """Count chunk by chunk. With `vocab` given, a character outside it is an error;
        without, the vocabulary grows as chunks bring new characters."""
        order = check_order(order)
        fixed = vocab is not None
        if vocab is not None:
            _check_fits(vocab.size, order)
        runs: count_runs.RunStack | None = None
        if vocab is not None:
            runs = count_runs.RunStack(vocab.size, order)
        examples = n_words = min_len = max_len = 0
        for chunk in chunks:
            if not chunk:
                continue
            if vocab is None:
                vocab = Vocab(tuple(sorted(set("".join(chunk)) - {BOUNDARY})))
                _check_fits(vocab.size, order)
            if runs is None:
                runs = count_runs.RunStack(vocab.size, order)
            while True:
                try:
                    ids = count_runs.ngram_ids(chunk, vocab, order)
                    break
                except count_runs.UnknownCharacters as exc:
                    if fixed:
                        raise NgramError(
                            f"{exc.args[0]}; build the vocabulary from all the data first"
                        ) from None
                    # Found by the encoding itself, so a chunk costs no pass of its own.
                    grown = Vocab(tuple(sorted({*vocab.chars, *exc.chars})))
                    _check_fits(grown.size, order)
                    runs.regrow(vocab, grown, order, examples)
                    vocab = grown
            if runs.packed and not count_runs.can_pack(vocab.size, order, examples + len(ids)):
                runs.unpack_all()
            runs.push(count_runs.chunk_run(ids, examples, runs.packed))
            examples += len(ids)
            lengths = list(map(len, chunk))
            shortest = min(lengths)
            min_len = shortest if n_words == 0 else min(min_len, shortest)
            max_len = max(max_len, *lengths)
            n_words += len(chunk)
        run = None if runs is None else runs.result()
        if vocab is None or run is None:
            raise NgramError("no words to count; pass --data PATH to a word list")
        ids_tensor = torch.from_numpy(run.ids).to(_id_dtype(vocab.size, order))
        counts = torch.from_numpy(run.counts.astype(np.int64))
        first = torch.from_numpy(run.first_seen)
        return cls(vocab, order, ids_tensor, counts, first, n_words, min_len, max_len)

    @classmethod
    def from_windows(
        cls,
        windows: torch.Tensor,
        vocab: Vocab,
        *,
        words: int,
        min_length: int = 0,
        max_length: int = 0,
    ) -> NgramCounts:
        """Count windows (W, n) of token ids taken by any convention (see core.stream): NG's
        stream gives one per character past the first n−1. `words` and the lengths are
        what the report says of the text the windows came from."""
        order = check_order(windows.shape[1])
        _check_fits(vocab.size, order)
        if len(windows) == 0:
            raise NgramError(
                f"no {order}-gram to count: the text is shorter than {order} characters; "
                "use a longer file or a lower --order"
            )
        # Each window's base-V id in one matrix-vector product; V^n < 2^31 allows int32.
        dtype = _id_dtype(vocab.size, order)
        place = torch.tensor([vocab.size ** (order - 1 - j) for j in range(order)], dtype=dtype)
        ids = torch.mv(windows.to(dtype), place).numpy()
        packed = count_runs.can_pack(vocab.size, order, len(ids))
        run = count_runs.chunk_run(ids, 0, packed)
        ids_tensor = torch.from_numpy(run.ids).to(dtype)
        counts = torch.from_numpy(run.counts.astype(np.int64))
        first = torch.from_numpy(run.first_seen.astype(np.int64))
        return cls(vocab, order, ids_tensor, counts, first, words, min_length, max_length)

    @classmethod
    def from_stream(cls, text: str, vocab: Vocab, order: int) -> NgramCounts:
        """NG's convention: the text one stream, the newline the boundary '.', no padding."""
        from .stream import stream_windows

        names = text.splitlines()
        lengths = [len(name) for name in names if name] or [0]
        return cls.from_windows(
            stream_windows(text, vocab, check_order(order)), vocab,
            words=len(names), min_length=min(lengths), max_length=max(lengths),
        )  # fmt: skip

    # --- sizes -----------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.vocab.size

    @property
    def total(self) -> int:
        """The number of examples: sum of len(word)+1 over the words, at every order."""
        return int(self.counts.sum())

    @property
    def entries(self) -> int:
        """How many distinct n-grams occur."""
        return len(self.ids)

    # --- the contexts ----------------------------------------------------------------------

    @cached_property
    def entry_context(self) -> torch.Tensor:
        """For each n-gram, the index of its context in `contexts`."""
        context_ids = self.ids.long() // self.size
        new = torch.ones(len(context_ids), dtype=torch.bool)
        new[1:] = context_ids[1:] != context_ids[:-1]
        return torch.cumsum(new, 0) - 1

    @cached_property
    def contexts(self) -> torch.Tensor:
        """The observed context ids, sorted, int64."""
        context_ids = self.ids.long() // self.size
        return torch.unique_consecutive(context_ids)

    @cached_property
    def context_totals(self) -> torch.Tensor:
        """How many examples have each observed context, int64."""
        totals = torch.zeros(len(self.contexts), dtype=torch.long)
        return totals.index_add_(0, self.entry_context, self.counts)

    @cached_property
    def nexts(self) -> torch.Tensor:
        """The next token of each n-gram, int64."""
        return self.ids.long() % self.size

    @cached_property
    def _row_of_context(self) -> torch.Tensor | None:
        """Every possible context id's row (−1 if never seen), when that space is small."""
        space = self.size ** (self.order - 1)
        if space > _DIRECT_INDEX_LIMIT:
            return None
        rows = torch.full((space,), -1, dtype=torch.long)
        rows[self.contexts] = torch.arange(len(self.contexts))
        return rows

    @cached_property
    def _count_of_id(self) -> torch.Tensor | None:
        """Every possible n-gram id's count (0 if never seen), when that space is small."""
        space = self.size**self.order
        if space > _DIRECT_INDEX_LIMIT:
            return None
        counts = torch.zeros(space, dtype=torch.long)
        counts[self.ids.long()] = self.counts
        return counts

    def context_rows(self, context_ids: torch.Tensor) -> torch.Tensor:
        """The row of each context in `contexts`, or −1 where the context never occurs."""
        context_ids = context_ids.long()
        direct = self._row_of_context
        if direct is not None:
            return direct[context_ids]
        rows = torch.searchsorted(self.contexts, context_ids)
        found = rows < len(self.contexts)
        found &= self.contexts[rows.clamp_max(len(self.contexts) - 1)] == context_ids
        return torch.where(found, rows, -1)

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """The count of each n-gram id (0 for one never seen)."""
        direct = self._count_of_id
        if direct is not None:
            return direct[ids.long()]
        ids = ids.to(self.ids.dtype)
        where = torch.searchsorted(self.ids, ids).clamp_max(len(self.ids) - 1)
        return torch.where(self.ids[where] == ids, self.counts[where], 0)

    @cached_property
    def context_starts(self) -> torch.Tensor:
        """Where each context's entries begin in `ids`, and len(ids) at the end."""
        bounds = torch.arange(len(self.contexts) + 1)
        return torch.searchsorted(self.entry_context, bounds)

    def dense_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """Counts of the observed contexts at `rows` (indices into `contexts`), len × V."""
        rows = rows.long()
        starts = self.context_starts[rows]
        lengths = self.context_starts[rows + 1] - starts
        # Each context's entries are one contiguous range of ids: gather just those.
        slot = torch.repeat_interleave(torch.arange(len(rows)), lengths)
        offsets = torch.repeat_interleave(starts - (torch.cumsum(lengths, 0) - lengths), lengths)
        entry = offsets + torch.arange(len(slot))
        dense = torch.zeros(len(rows), self.size, dtype=torch.long)
        dense[slot, self.nexts[entry]] = self.counts[entry]
        return dense

    # --- tokens ----------------------------------------------------------------------------

    def encode_tokens(self, tokens: Sequence[str]) -> int:
        """The base-V number of a sequence of tokens ('.' is the boundary)."""
        value = 0
        for token in tokens:
            if token not in self.vocab.stoi:
                raise KeyError(token)
            value = value * self.size + self.vocab.stoi[token]
        return value

    def decode_tokens(self, value: int, length: int) -> tuple[str, ...]:
        itos = self.vocab.itos
        digits = []
        for _ in range(length):
            value, digit = divmod(value, self.size)
            digits.append(itos[digit])
        return tuple(reversed(digits))

    def _check_length(self, tokens: Sequence[str], length: int, what: str) -> None:
        if len(tokens) != length:
            raise NgramError(
                f"a {what} at order {self.order} has {length} tokens, not {len(tokens)}"
            )

    def count(self, ngram: Sequence[str]) -> int:
        """How often the n tokens occur in this order (as a string or a token sequence)."""
        self._check_length(ngram, self.order, "n-gram")
        return int(self.lookup(torch.tensor([self.encode_tokens(ngram)])))

    def context_total(self, context: Sequence[str]) -> int:
        self._check_length(context, self.order - 1, "context")
        row = int(self.context_rows(torch.tensor([self.encode_tokens(context)])))
        return 0 if row < 0 else int(self.context_totals[row])

    def count_slice(self, prefix: Sequence[str] = ()) -> CountSlice:
        """Rows = the last context token, columns = the next token, earlier tokens fixed.

        At order 2 the prefix is empty and this is the bigram count matrix itself.
        """
        if self.order < 2:
            raise NgramError("the unigram has no context to slice by; use --order 2 or more")
        self._check_length(prefix, self.order - 2, "context prefix")
        size = self.size
        low = self.encode_tokens(prefix) * size * size
        ids = self.ids.long()
        start = int(torch.searchsorted(ids, torch.tensor(low)))
        end = int(torch.searchsorted(ids, torch.tensor(low + size * size)))
        table = torch.zeros(size * size, dtype=torch.long)
        table[ids[start:end] - low] = self.counts[start:end]
        table = table.reshape(size, size)
        covered = int((table.sum(dim=1) > 0).sum())
        return CountSlice(tuple(prefix), self.vocab.itos, table, covered)

    def most_common(self, n: int | None = None) -> list[tuple[tuple[str, ...], int]]:
        """N-grams by count, largest first; ties in the order the data first shows them,
        as the notebook's dict sorted by count keeps them."""
        order = ranked_by_count(self.counts, self.first_seen)
        if n is not None:
            order = order[:n]
        ids, counts = self.ids[order].tolist(), self.counts[order].tolist()
        return [(self.decode_tokens(i, self.order), c) for i, c in zip(ids, counts)]


def digits_of(ids: torch.Tensor, size: int, length: int) -> torch.Tensor:
    """The tokens of base-`size` ids, oldest first: len(ids) × length, int64."""
    remaining = ids.long()
    columns = []
    for _ in range(length):
        columns.append(remaining % size)
        remaining = remaining // size
    if not columns:
        return torch.zeros(len(ids), 0, dtype=torch.long)
    return torch.stack(columns[::-1], dim=1)


def count_split(split: WordSplit, order: int) -> tuple[NgramCounts, NgramCounts, NgramCounts]:
    """Train, dev and test counted at `order`, all with the whole file's vocabulary."""
    parts = (split.train, split.dev, split.test)
    train, dev, test = (NgramCounts.from_words(p, order, vocab=split.vocab) for p in parts)
    return train, dev, test
