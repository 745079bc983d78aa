"""The bigram count matrix, built without a Python loop per bigram."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

from .vocab import BOUNDARY, END_TOKEN, START_TOKEN, Vocab

LAYOUTS = ("dot", "start_end")


def _code_points(words: Sequence[str]) -> torch.Tensor:
    """Code points of '.w1.w2.….wn.': consecutive pairs are exactly the dataset's bigrams.

    One '.' between two words is both the end of one and the start of the next, so the
    stream yields sum(len(w) + 1) bigrams.
    """
    text = BOUNDARY + BOUNDARY.join(words) + BOUNDARY
    # UTF-32 gives one fixed-width integer per code point, so torch can do the lookup.
    # int32 throughout (code points end at 0x10FFFF): counting a chunk needs half the
    # memory that int64 tensors would, which is what bounds the memory of a huge file.
    return torch.frombuffer(bytearray(text.encode("utf-32-le")), dtype=torch.int32)


def _index_stream(code_points: torch.Tensor, vocab: Vocab) -> torch.Tensor:
    vocab_code_points = torch.tensor([ord(ch) for ch in vocab.itos], dtype=torch.long)
    table_size = max(int(code_points.max()), int(vocab_code_points.max())) + 1
    lookup = torch.full((table_size,), -1, dtype=torch.int32)
    lookup[vocab_code_points] = torch.arange(vocab.size, dtype=torch.int32)
    indices = lookup[code_points]
    if bool((indices < 0).any()):
        unknown = sorted({chr(c) for c in code_points[indices < 0].unique().tolist()})
        raise KeyError(f"characters outside the vocabulary: {unknown!r}")
    return indices


def encode_words(words: Sequence[str], vocab: Vocab) -> torch.Tensor:
    """The index stream of '.w1.w2.….wn.' (see `_code_points`), as int64."""
    return _index_stream(_code_points(words), vocab).long()


def training_examples(words: Sequence[str], vocab: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """The notebook's (xs, ys): input and label index of every bigram, in data order."""
    stream = encode_words(words, vocab)
    return stream[:-1], stream[1:]


# The first-seen position of a bigram that never occurs: after every real position.
NEVER_SEEN = torch.iinfo(torch.int64).max


def _pair_ids(stream: torch.Tensor, size: int) -> torch.Tensor:
    if size * size >= 2**31:  # pair ids would overflow int32
        stream = stream.long()
    return stream[:-1] * size + stream[1:]


def _count_stream(stream: torch.Tensor, size: int) -> torch.Tensor:
    return torch.bincount(_pair_ids(stream, size), minlength=size * size).reshape(size, size)


def _first_positions(stream: torch.Tensor, size: int, offset: int) -> torch.Tensor:
    """Where each of the stream's bigrams first occurs (NEVER_SEEN if not), from `offset`."""
    pair_ids = _pair_ids(stream, size).long()
    positions = torch.arange(offset, offset + len(pair_ids), dtype=torch.int64)
    first_seen = torch.full((size * size,), NEVER_SEEN, dtype=torch.int64)
    first_seen.scatter_reduce_(0, pair_ids, positions, reduce="amin")
    return first_seen.reshape(size, size)


def _embed(table: torch.Tensor, source: Vocab, target: Vocab, fill: int = 0) -> torch.Tensor:
    """The same table, with rows and columns placed by a larger vocabulary."""
    where = torch.tensor([target.stoi[ch] for ch in source.itos])
    embedded = torch.full((target.size, target.size), fill, dtype=table.dtype)
    embedded[where.unsqueeze(1), where.unsqueeze(0)] = table
    return embedded


def ranked_by_count(counts: torch.Tensor, first_seen: torch.Tensor) -> torch.Tensor:
    """Indices of `counts` (1-D), largest first; ties in the order the data first shows them.

    This is the order of the notebook's In[7]: a dict filled in data order, sorted by count
    with Python's stable sort. Every most-common list uses it.
    """
    by_first = torch.argsort(first_seen, stable=True)
    return by_first[torch.sort(counts[by_first], descending=True, stable=True).indices]


@dataclass(frozen=True)
class CountTable:
    """A square table of counts with a label per row/column, ready to draw."""

    labels: tuple[str, ...]
    counts: torch.Tensor


@dataclass(frozen=True)
class BigramCounts:
    """counts[i, j]: how often character j follows character i ('.' is start and end)."""

    vocab: Vocab
    counts: torch.Tensor  # int64, vocab.size × vocab.size
    words: int
    min_length: int
    max_length: int
    # first_seen[i, j]: the position of the first ij bigram in the data (NEVER_SEEN if
    # none). Counts made without data have no such order: ties then keep the table's.
    first_seen: torch.Tensor = field(default=None, repr=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.first_seen is None:
            table_order = torch.arange(self.counts.numel()).reshape(self.counts.shape)
            object.__setattr__(self, "first_seen", table_order)

    @classmethod
    def from_words(cls, words: Sequence[str]) -> BigramCounts:
        return cls.from_word_chunks([words])

    @classmethod
    def from_word_chunks(cls, chunks: Iterable[Sequence[str]]) -> BigramCounts:
        """Stream chunks of words: memory stays bounded by one chunk and one V×V matrix."""
        vocab: Vocab | None = None
        counts = torch.zeros(0, 0, dtype=torch.long)
        first_seen = torch.zeros(0, 0, dtype=torch.long)
        n_words, min_len, max_len, n_bigrams = 0, 0, 0, 0
        for chunk in chunks:
            if not chunk:
                continue
            code_points = _code_points(chunk)
            present = torch.bincount(code_points).nonzero().flatten().tolist()
            chunk_vocab = Vocab(tuple(chr(c) for c in present if chr(c) != BOUNDARY))
            stream = _index_stream(code_points, chunk_vocab)
            chunk_counts = _count_stream(stream, chunk_vocab.size)
            if vocab is None:
                vocab, counts = chunk_vocab, chunk_counts
                first_seen = _first_positions(stream, vocab.size, 0)
            else:
                if not set(chunk_vocab.chars) <= set(vocab.chars):
                    merged = Vocab(tuple(sorted(set(vocab.chars) | set(chunk_vocab.chars))))
                    counts = _embed(counts, vocab, merged)
                    first_seen = _embed(first_seen, vocab, merged, NEVER_SEEN)
                    vocab = merged
                placed = _embed(chunk_counts, chunk_vocab, vocab)
                # Only a bigram new to the data needs its position; after the first chunks
                # there are none, and the scan is skipped.
                if bool(((placed > 0) & (first_seen == NEVER_SEEN)).any()):
                    chunk_first = _first_positions(stream, chunk_vocab.size, n_bigrams)
                    chunk_first = _embed(chunk_first, chunk_vocab, vocab, NEVER_SEEN)
                    first_seen = torch.minimum(first_seen, chunk_first)
                counts += placed
            shortest, longest = min(map(len, chunk)), max(map(len, chunk))
            min_len = shortest if n_words == 0 else min(min_len, shortest)
            max_len = max(max_len, longest)
            n_words += len(chunk)
            n_bigrams += len(stream) - 1
        if vocab is None:
            raise ValueError("no words to count")
        return cls(vocab, counts, n_words, min_len, max_len, first_seen)

    @property
    def total(self) -> int:
        return int(self.counts.sum())

    def count(self, first: str, second: str) -> int:
        return int(self.counts[self.vocab.stoi[first], self.vocab.stoi[second]])

    def table(self, layout: str = "dot") -> CountTable:
        """'dot': one '.' token, V×V. 'start_end': separate <S> and <E>, (V+1)×(V+1).

        In the second layout the <E> row and the <S> column are all zeros: nothing
        follows the end and nothing precedes the start.
        """
        return CountTable(self._labels(layout), self._laid_out(self.counts, layout, 0))

    def _labels(self, layout: str) -> tuple[str, ...]:
        if layout == "dot":
            return self.vocab.itos
        if layout != "start_end":
            raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
        return (*self.vocab.chars, START_TOKEN, END_TOKEN)

    def _laid_out(self, matrix: torch.Tensor, layout: str, fill: int) -> torch.Tensor:
        """A V×V matrix of the dot layout, placed as `layout` places the counts."""
        if layout == "dot":
            return matrix
        n_chars = len(self.vocab.chars)
        start, end = n_chars, n_chars + 1
        table = torch.full((n_chars + 2, n_chars + 2), fill, dtype=matrix.dtype)
        table[:n_chars, :n_chars] = matrix[1:, 1:]
        table[start, :n_chars] = matrix[0, 1:]
        table[:n_chars, end] = matrix[1:, 0]
        table[start, end] = matrix[0, 0]
        return table

    def most_common(
        self, n: int | None = None, layout: str = "start_end"
    ) -> list[tuple[str, str, int]]:
        """Bigrams by count, largest first; ties in the order the data first shows them
        (the notebook's In[7]). Zero counts are left out."""
        labels = self._labels(layout)
        flat = self._laid_out(self.counts, layout, 0).flatten()
        seen = self._laid_out(self.first_seen, layout, NEVER_SEEN).flatten()
        order = ranked_by_count(flat, seen)
        size = len(labels)
        result: list[tuple[str, str, int]] = []
        for pair_id, count in zip(order.tolist(), flat[order].tolist()):
            if count == 0 or (n is not None and len(result) >= n):
                break
            result.append((labels[pair_id // size], labels[pair_id % size], count))
        return result
