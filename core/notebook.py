"""The lecture notebook's own views and loops, as views and replays of the one model of order n.

- In[5]–In[7]: the bigram count matrix, in the '.' layout (V×V) or with separate <S> and
  <E> (V+1 × V+1), and the most common bigrams in the order the notebook's dict shows them.
- In[16]: the log-likelihood as a float32 running sum, the source of the printed 2.4541.
- In[22]: the forward pass of a one-hot net on each example of a word.
- In[23]–In[24], exercises E04 and E05: the per-example trainers, the references the fast
  counts-based training (core.neural) is tested and benchmarked against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .counts import NgramCounts, NgramError, digits_of, ngram_ids, ranked_by_count
from .defaults import DEFAULT_LR, DEFAULT_REG
from .model import NextTokenModel
from .neural import TABLE, _position_rows, check_kind, initial_weights, weight_rows
from .rng import DEFAULT_SEED
from .scoring import OutOfVocabulary, context_ids_of, word_examples
from .vocab import END_TOKEN, START_TOKEN, Vocab

LAYOUTS = ("dot", "start_end")
# The first-seen position of a bigram that never occurs: after every real position.
NEVER_SEEN = torch.iinfo(torch.int64).max


def _check_bigram(counts: NgramCounts) -> None:
    if counts.order != 2:
        raise NgramError(f"the lecture's matrix is order 2, not order {counts.order}")


def bigram_matrix(counts: NgramCounts) -> torch.Tensor:
    """N[i, j]: how often token j follows token i, V×V int64 ('.' is start and end)."""
    _check_bigram(counts)
    return counts.count_slice(()).counts


def _first_seen_matrix(counts: NgramCounts) -> torch.Tensor:
    size = counts.vocab.size
    first_seen = torch.full((size * size,), NEVER_SEEN, dtype=torch.int64)
    first_seen[counts.ids.long()] = counts.first_seen
    return first_seen.reshape(size, size)


def training_examples(words: Sequence[str], vocab: Vocab) -> tuple[torch.Tensor, torch.Tensor]:
    """The notebook's (xs, ys): input and label index of every bigram, in data order."""
    ids = ngram_ids(words, vocab, 2)
    return ids // vocab.size, ids % vocab.size


@dataclass(frozen=True)
class CountTable:
    """A square table of counts with a label per row/column, ready to draw."""

    labels: tuple[str, ...]
    counts: torch.Tensor


def _labels(vocab: Vocab, layout: str) -> tuple[str, ...]:
    if layout == "dot":
        return vocab.itos
    if layout != "start_end":
        raise ValueError(f"unknown layout {layout!r}; choose one of {LAYOUTS}")
    return (*vocab.chars, START_TOKEN, END_TOKEN)


def laid_out(matrix: torch.Tensor, layout: str, fill: int = 0) -> torch.Tensor:
    """A V×V matrix of the dot layout, placed as `layout` places the counts.

    In the start_end layout the <E> row and the <S> column are all `fill`: nothing
    follows the end and nothing precedes the start.
    """
    if layout == "dot":
        return matrix
    n_chars = matrix.shape[0] - 1
    start, end = n_chars, n_chars + 1
    table = torch.full((n_chars + 2, n_chars + 2), fill, dtype=matrix.dtype)
    table[:n_chars, :n_chars] = matrix[1:, 1:]
    table[start, :n_chars] = matrix[0, 1:]
    table[:n_chars, end] = matrix[1:, 0]
    table[start, end] = matrix[0, 0]
    return table


def count_table(counts: NgramCounts, layout: str = "dot") -> CountTable:
    """'dot': one '.' token, V×V. 'start_end': separate <S> and <E>, (V+1)×(V+1)."""
    labels = _labels(counts.vocab, layout)
    return CountTable(labels, laid_out(bigram_matrix(counts), layout))


def most_common_bigrams(
    counts: NgramCounts, n: int | None = None, layout: str = "start_end"
) -> list[tuple[str, str, int]]:
    """Bigrams by count, largest first; ties in the order the data first shows them
    (the notebook's In[7]). Zero counts are left out."""
    labels = _labels(counts.vocab, layout)
    flat = laid_out(bigram_matrix(counts), layout).flatten()
    seen = laid_out(_first_seen_matrix(counts), layout, NEVER_SEEN).flatten()
    order = ranked_by_count(flat, seen)
    size = len(labels)
    result: list[tuple[str, str, int]] = []
    for pair_id, count in zip(order.tolist(), flat[order].tolist()):
        if count == 0 or (n is not None and len(result) >= n):
            break
        result.append((labels[pair_id // size], labels[pair_id % size], count))
    return result


def notebook_log_likelihood(word_chunks: Iterable[Sequence[str]], counts: NgramCounts) -> float:
    """The log-likelihood as the notebook's In[16] computes it: a float32 running sum.

    Rounding in that running sum drifts: it prints -559891.75 (mean NLL 2.4541) where the
    exact sum is -559873.59 (2.4540). Kept to show where the notebook's number comes from.
    """
    matrix = bigram_matrix(counts).float()
    probs32 = matrix / matrix.sum(dim=1, keepdim=True)
    running = np.float32(0.0)
    for words in word_chunks:
        xs, ys = training_examples(words, counts.vocab)
        log_probs = probs32[xs, ys].log().numpy()
        # numpy's accumulate adds in order, in float32, as `log_likelihood += …` did.
        running = np.add.accumulate(np.append(running, log_probs), dtype=np.float32)[-1]
    return float(running)


@dataclass(frozen=True)
class ExampleStep:
    """One row of the notebook's In[22]: what the net sees and says for one example."""

    context: tuple[str, ...]  # the n−1 input tokens ('.' before the word)
    next: str  # the label's token
    inputs: tuple[int, ...]  # the index of each input token: the hot bit of its one-hot
    label: int
    probs: torch.Tensor  # the output distribution over the next token
    prob: float  # probs[label]
    log_prob: float
    nll: float


def walkthrough(model: NextTokenModel, word: str) -> list[ExampleStep]:
    """For each example of the word, the forward pass a one-hot net makes on it."""
    vocab = model.vocab
    unknown = vocab.unknown_chars(word)
    if unknown:
        raise OutOfVocabulary(word, unknown)
    windows = word_examples(word, vocab, model.order)
    rows = model.next_probs(context_ids_of(windows[:, :-1], vocab.size))
    itos = vocab.itos
    steps = []
    for window, row in zip(windows.tolist(), rows):
        *inputs, label = window
        prob = float(row[label])
        log_prob = math.log(prob) if prob > 0 else -math.inf
        context = tuple(itos[i] for i in inputs)
        steps.append(
            ExampleStep(context, itos[label], tuple(inputs), label, row, prob, log_prob, -log_prob)
        )
    return steps


class PerExampleTrainer:
    """The notebook's In[23]–In[24], literally: one-hot every example, every epoch, in float32."""

    def __init__(
        self,
        words: Sequence[str],
        vocab: Vocab,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        self.xs, self.ys = training_examples(words, vocab)
        self.size = vocab.size
        self.lr, self.reg = lr, reg
        self.W = initial_weights(self.size, self.size, seed).requires_grad_()

    def step(self) -> float:
        xenc = F.one_hot(self.xs, num_classes=self.size).float()
        logits = xenc @ self.W
        counts = logits.exp()
        probs = counts / counts.sum(dim=1, keepdim=True)
        loss = -probs[torch.arange(len(self.xs)), self.ys].log().mean()
        loss = loss + self.reg * (self.W**2).mean()
        self.W.grad = None
        loss.backward()
        assert self.W.grad is not None
        self.W.data -= self.lr * self.W.grad
        return float(loss.item())


class _PerExampleBase:
    """The examples of the words as rows of W to select, in float32 as the notebook trains."""

    def __init__(
        self,
        words: Sequence[str],
        counts: NgramCounts,
        kind: str = TABLE,
        *,
        seed: int = DEFAULT_SEED,
        lr: float = DEFAULT_LR,
        reg: float = DEFAULT_REG,
    ) -> None:
        check_kind(kind, counts.order)
        size, order = counts.vocab.size, counts.order
        ids = ngram_ids(words, counts.vocab, order).long()
        self.ys = ids % size
        context_ids = ids // size
        if kind == TABLE:
            self.xs = counts.context_rows(context_ids).unsqueeze(1)
            if bool((self.xs < 0).any()):
                raise NgramError("the words hold a context the counts do not; count these words")
        else:
            self.xs = _position_rows(digits_of(context_ids, size, order - 1), size)
        self.lr, self.reg = lr, reg
        self.W = initial_weights(weight_rows(counts, kind), size, seed).requires_grad_()

    def logits(self) -> torch.Tensor:
        # W[xs] selects the rows a one-hot product would: one per context position.
        return self.W[self.xs].sum(dim=1)

    def data_loss(self) -> torch.Tensor:
        raise NotImplementedError

    def step(self) -> float:
        loss = self.data_loss() + self.reg * (self.W**2).mean()
        self.W.grad = None
        loss.backward()
        assert self.W.grad is not None
        self.W.data -= self.lr * self.W.grad
        return float(loss.item())


class IndexTrainer(_PerExampleBase):
    """Exercise E04: W[xs] in place of one_hot(xs) @ W, the softmax still written out."""

    def data_loss(self) -> torch.Tensor:
        counts = self.logits().exp()
        probs = counts / counts.sum(dim=1, keepdim=True)
        return -probs[torch.arange(len(self.ys)), self.ys].log().mean()


class CrossEntropyTrainer(_PerExampleBase):
    """Exercise E05: F.cross_entropy in place of the explicit softmax and log."""

    def data_loss(self) -> torch.Tensor:
        return F.cross_entropy(self.logits(), self.ys)
