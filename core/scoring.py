"""Log-likelihood and negative log-likelihood of words and of a whole dataset."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .counts import BigramCounts, training_examples
from .errors import BigramTuiError
from .model import BigramModel
from .vocab import BOUNDARY


class OutOfVocabulary(BigramTuiError, ValueError):
    """The word has characters the model has never seen; `positions` says where."""

    def __init__(self, word: str, positions: list[int]) -> None:
        self.word = word
        self.positions = positions
        shown = ", ".join(f"{word[i]!r} at {i + 1}" for i in positions[:5])
        more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
        super().__init__(f"not in the vocabulary: {shown}{more}")


@dataclass(frozen=True)
class BigramScore:
    first: str
    second: str
    prob: float
    log_prob: float  # -inf when the model gives the bigram probability zero


@dataclass(frozen=True)
class WordScore:
    word: str
    bigrams: tuple[BigramScore, ...]

    @property
    def log_likelihood(self) -> float:
        return math.fsum(b.log_prob for b in self.bigrams) if self._finite else -math.inf

    @property
    def nll(self) -> float:
        return -self.log_likelihood

    @property
    def mean_nll(self) -> float:
        return self.nll / len(self.bigrams)

    @property
    def _finite(self) -> bool:
        return all(math.isfinite(b.log_prob) for b in self.bigrams)


def score_word(model: BigramModel, word: str) -> WordScore:
    vocab = model.vocab
    unknown = vocab.unknown_chars(word)
    if unknown:
        raise OutOfVocabulary(word, unknown)
    indices = vocab.encode(word)
    tokens = [BOUNDARY, *word, BOUNDARY]
    firsts, seconds = torch.tensor(indices[:-1]), torch.tensor(indices[1:])
    probs = model.probs[firsts, seconds].tolist()
    log_probs = model.probs[firsts, seconds].log().tolist()
    bigrams = tuple(
        BigramScore(a, b, p, lp) for a, b, p, lp in zip(tokens, tokens[1:], probs, log_probs)
    )
    return WordScore(word, bigrams)


@dataclass(frozen=True)
class DatasetScore:
    log_likelihood: float
    bigrams: int

    @property
    def nll(self) -> float:
        return -self.log_likelihood

    @property
    def mean_nll(self) -> float:
        return self.nll / self.bigrams


def score_dataset(model: BigramModel, counts: BigramCounts) -> DatasetScore:
    """The dataset's likelihood depends on it only through the counts: sum N[i,j]·log P[i,j]."""
    if model.vocab != counts.vocab:
        raise ValueError("the model and the counts have different vocabularies")
    observed = counts.counts > 0
    # Only observed bigrams contribute; 0·log 0 would otherwise give NaN.
    log_likelihood = (counts.counts[observed].double() * model.probs[observed].log()).sum()
    return DatasetScore(float(log_likelihood), counts.total)


def notebook_log_likelihood(word_chunks: Iterable[Sequence[str]], counts: BigramCounts) -> float:
    """The log-likelihood as the notebook's In[16] computes it: a float32 running sum.

    Rounding in that running sum drifts: it prints -559891.75 (mean NLL 2.4541) where the
    exact sum is -559873.59 (2.4540). Kept to show where the notebook's number comes from.
    """
    probs32 = counts.counts.float() / counts.counts.float().sum(dim=1, keepdim=True)
    running = np.float32(0.0)
    for words in word_chunks:
        xs, ys = training_examples(words, counts.vocab)
        log_probs = probs32[xs, ys].log().numpy()
        # numpy's accumulate adds in order, in float32, as `log_likelihood += …` did.
        running = np.add.accumulate(np.append(running, log_probs), dtype=np.float32)[-1]
    return float(running)
