"""The bigram count matrix, built without a Python loop per bigram."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def _count_stream(stream: torch.Tensor, size: int) -> torch.Tensor:
    if size * size >= 2**31:  # pair ids would overflow int32
        stream = stream.long()
    pair_ids = stream[:-1] * size + stream[1:]
    return torch.bincount(pair_ids, minlength=size * size).reshape(size, size)


def _embed(counts: torch.Tensor, source: Vocab, target: Vocab) -> torch.Tensor:
    """The same counts, with rows and columns placed by a larger vocabulary."""
    where = torch.tensor([target.stoi[ch] for ch in source.itos])
    embedded = torch.zeros(target.size, target.size, dtype=counts.dtype)
    embedded[where.unsqueeze(1), where.unsqueeze(0)] = counts
    return embedded


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

    @classmethod
    def from_words(cls, words: Sequence[str]) -> BigramCounts:
        return cls.from_word_chunks([words])

    @classmethod
    def from_word_chunks(cls, chunks: Iterable[Sequence[str]]) -> BigramCounts:
        """Stream chunks of words: memory stays bounded by one chunk and one V×V matrix."""
        vocab: Vocab | None = None
        counts = torch.zeros(0, 0, dtype=torch.long)
        n_words, min_len, max_len = 0, 0, 0
        for chunk in chunks:
            if not chunk:
                continue
            code_points = _code_points(chunk)
            present = torch.bincount(code_points).nonzero().flatten().tolist()
            chunk_vocab = Vocab(tuple(chr(c) for c in present if chr(c) != BOUNDARY))
            chunk_counts = _count_stream(_index_stream(code_points, chunk_vocab), chunk_vocab.size)
            if vocab is None:
                vocab, counts = chunk_vocab, chunk_counts
            else:
                if not set(chunk_vocab.chars) <= set(vocab.chars):
                    merged = Vocab(tuple(sorted(set(vocab.chars) | set(chunk_vocab.chars))))
                    counts, vocab = _embed(counts, vocab, merged), merged
                counts += _embed(chunk_counts, chunk_vocab, vocab)
            shortest, longest = min(map(len, chunk)), max(map(len, chunk))
            min_len = shortest if n_words == 0 else min(min_len, shortest)
            max_len = max(max_len, longest)
            n_words += len(chunk)
        if vocab is None:
            raise ValueError("no words to count")
        return cls(vocab, counts, n_words, min_len, max_len)

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
        if layout == "dot":
            return CountTable(self.vocab.itos, self.counts)
        if layout != "start_end":
            raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
        n_chars = len(self.vocab.chars)
        start, end = n_chars, n_chars + 1
        table = torch.zeros(n_chars + 2, n_chars + 2, dtype=torch.long)
        table[:n_chars, :n_chars] = self.counts[1:, 1:]
        table[start, :n_chars] = self.counts[0, 1:]
        table[:n_chars, end] = self.counts[1:, 0]
        table[start, end] = self.counts[0, 0]
        return CountTable((*self.vocab.chars, START_TOKEN, END_TOKEN), table)

    def most_common(
        self, n: int | None = None, layout: str = "start_end"
    ) -> list[tuple[str, str, int]]:
        """Bigrams by count, largest first; ties in row-major order. Zero counts are left out."""
        table = self.table(layout)
        flat = table.counts.flatten()
        # A stable sort keeps row-major order among equal counts.
        order = torch.sort(flat, descending=True, stable=True).indices
        size = len(table.labels)
        result: list[tuple[str, str, int]] = []
        for pair_id, count in zip(order.tolist(), flat[order].tolist()):
            if count == 0 or (n is not None and len(result) >= n):
                break
            result.append((table.labels[pair_id // size], table.labels[pair_id % size], count))
        return result
