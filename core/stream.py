"""NG's stream convention (EurekaLabsAI/ngram) and the lecture's padding beside it, as windows.

NG reads each file as one stream of characters. The newline is the boundary token (id 0,
shown as '.'), nothing is padded, and a window of n tokens may run from one name into the
next; the first n−1 tokens of a file are context only. The lecture instead pads every word
with n−1 '.' before and one after, and takes windows inside each word. The two predict
different tokens (NG never predicts a name's first letter from pure padding, and does
predict across names), so their losses measure different streams and differ.

Both give windows of shape (W, n); NgramCounts.from_windows counts either, so every model of
the family (add-k, Kneser–Ney, the nets) works on NG's stream unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import numpy as np
import torch

from .vocab import BOUNDARY, Vocab

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
