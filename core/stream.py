"""NG's stream convention (EurekaLabsAI/ngram), the lecture's padding beside it, and add-k.

NG reads each file as one stream of characters. The newline is the boundary token (id 0,
shown as '.'), nothing is padded, and a window of n tokens may run from one name into the
next; the first n−1 tokens of a file are context only. The lecture instead pads every word
with n−1 '.' before and one after, and takes windows inside each word. The two predict
different tokens (NG never predicts a name's first letter from pure padding, and does
predict across names), so their losses measure different streams and differ.

Both give windows of shape (W, n), so every model here takes either.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .vocab import BOUNDARY, Vocab
from .window_counts import (
    ContextTotals,
    WindowCounts,
    as_windows,
    check_windows,
    encode_windows,
)

NEWLINE = "\n"  # NG's boundary: the end of a line is the end of a name


def read_stream(path: str | os.PathLike[str]) -> str:
    """A file's text, as NG reads it (text mode: "\\r\\n" becomes "\\n")."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def vocab_of_texts(texts: Iterable[str]) -> Vocab:
    """The vocabulary of all the texts: '.' (the newline) at 0, then their sorted characters."""
    chars: set[str] = set()
    for text in texts:
        chars.update(text)
    chars.discard(NEWLINE)
    return Vocab(tuple(sorted(chars)))


def stream_ids(text: str, vocab: Vocab) -> torch.Tensor:
    """The token id of every character of `text`, the newline as the boundary 0 (int64)."""
    # A table indexed by code point maps the whole text in one numpy gather, no Python loop.
    if text.isascii():
        points = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    else:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    ids = {ch: i for ch, i in vocab.stoi.items() if ch != BOUNDARY}  # '.' is no character
    ids[NEWLINE] = 0
    highest = max(max(map(ord, ids)), int(points.max()) if len(points) else 0)
    table = np.full(highest + 1, -1, dtype=np.int64)
    table[[ord(ch) for ch in ids]] = list(ids.values())
    tokens = table[points]
    if (tokens < 0).any():
        unknown = sorted(chr(p) for p in np.unique(points[tokens < 0]).tolist())
        raise KeyError(f"characters outside the vocabulary: {unknown!r}")
    return torch.from_numpy(tokens)


def stream_windows(text: str, vocab: Vocab, order: int) -> torch.Tensor:
    """NG's windows: every run of `order` consecutive tokens of the stream, (W, order).

    W = len(text) − order + 1 (0 for a shorter text): the first order−1 tokens are only
    ever context.
    """
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    ids = stream_ids(text, vocab)
    if len(ids) < order:
        return torch.zeros(0, order, dtype=torch.long)
    return ids.unfold(0, order, 1).contiguous()


def padded_windows(words: Sequence[str], vocab: Vocab, order: int) -> torch.Tensor:
    """The lecture's windows: each word padded with order−1 '.' before and one after,
    windows taken inside each padded word, words in order: (Σ (len(w)+1), order)."""
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    if not words:
        return torch.zeros(0, order, dtype=torch.long)
    pad = NEWLINE * (order - 1)
    # Each block is pad + word + boundary; joined, windows that straddle blocks are dropped.
    ids = stream_ids(pad + (NEWLINE + pad).join(words) + NEWLINE, vocab)
    windows = ids.unfold(0, order, 1)
    lengths = torch.from_numpy(np.fromiter(map(len, words), np.int64, len(words)) + order)
    block = torch.repeat_interleave(torch.arange(len(words)), lengths)
    inside = block[: len(windows)] == block[order - 1 :]
    return windows[inside].contiguous()


@dataclass(frozen=True)
class StreamAddK:
    """The counts model with add-k, as NG computes it:

        P(w | h) = (c(h w) + k) / (c(h) + k·V)

    A context never seen in training gets the uniform 1/V, which is (0 + k)/(0 + k·V) at
    k > 0 and NG's own choice at k = 0 (where the formula is 0/0).
    """

    vocab_size: int
    order: int
    k: float
    counts: WindowCounts
    contexts: ContextTotals

    @classmethod
    def fit(
        cls, windows: torch.Tensor | np.ndarray, vocab_size: int, order: int, k: float
    ) -> StreamAddK:
        """Count the training windows (W, order)."""
        windows = check_windows(windows, order, vocab_size)
        counts = WindowCounts.count(windows, vocab_size)
        return cls(vocab_size, order, _check_k(k), counts, counts.by_context())

    def with_k(self, k: float) -> StreamAddK:
        """The same counts with another k (no recounting)."""
        return dataclasses.replace(self, k=_check_k(k))

    def _history(self, contexts: torch.Tensor) -> torch.Tensor:
        if contexts.shape[1] != self.order - 1:
            raise ValueError(f"a context at order {self.order} has {self.order - 1} tokens")
        return encode_windows(contexts, self.vocab_size)

    def _smooth(self, counts: torch.Tensor, totals: torch.Tensor) -> torch.Tensor:
        denominator = totals + self.k * self.vocab_size
        seen = denominator > 0
        smoothed = (counts + self.k) / torch.where(seen, denominator, 1.0)
        return torch.where(seen, smoothed, 1.0 / self.vocab_size)

    def probs(self, contexts: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(· | h) for each context (B, order−1) of token ids: (B, V) float64."""
        history = self._history(as_windows(contexts))
        totals, _ = self.contexts.find(history)
        return self._smooth(self.counts.rows(history), totals.unsqueeze(1))

    def row(self, context: Iterable[int]) -> torch.Tensor:
        """P(· | h) for one context, a tuple of order−1 token ids: (V,) float64."""
        return self.probs(torch.tensor([list(context)], dtype=torch.long).reshape(1, -1))[0]

    def window_probs(self, windows: torch.Tensor | np.ndarray) -> torch.Tensor:
        """P(last token | the order−1 before it) for each window: (W,) float64."""
        windows = as_windows(windows)
        history = self._history(windows[:, :-1])
        totals, _ = self.contexts.find(history)
        counts = self.counts.lookup(history * self.vocab_size + windows[:, -1])
        return self._smooth(counts, totals)

    def log_likelihood(self, windows: torch.Tensor | np.ndarray) -> float:
        """Σ log P over the windows, in nats (−inf where k = 0 leaves a P at 0)."""
        return float(self.window_probs(windows).log().sum())

    def mean_nll(self, windows: torch.Tensor | np.ndarray) -> float:
        """The mean negative log-likelihood per window, NG's loss (nan for no windows)."""
        windows = as_windows(windows)
        if len(windows) == 0:
            return math.nan
        return -self.log_likelihood(windows) / len(windows)


def _check_k(k: float) -> float:
    k = float(k)
    if not k >= 0 or math.isinf(k):
        raise ValueError(f"the add-k smoothing k must be 0 or more, not {k:g}")
    return k
