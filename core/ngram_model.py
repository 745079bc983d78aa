"""The counts model of order n with add-k smoothing, and scoring against any n-gram model.

    P(next | context) = (N(context, next) + k) / (N(context) + k·V)

At k=0 a context that training never shows has no distribution at all (0/0): it scores
−inf for the reason "context never seen", which is not the same as a seen context that was
never followed by this token. At k>0 the same formula gives an unseen context k/(k·V) = 1/V,
the uniform distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch

from .model import BigramModel, check_smoothing, smoothed_probs
from .ngram_counts import NgramCounts, NgramError, digits_of
from .scoring import OutOfVocabulary
from .vocab import Vocab

SEEN, CONTEXT_NEVER_SEEN, NEXT_NEVER_SEEN = 0, 1, 2
REASONS = {
    CONTEXT_NEVER_SEEN: "context never seen",
    NEXT_NEVER_SEEN: "next token never seen after this context",
}


class NextTokenModel(Protocol):
    """What scoring and sampling need from a model of order n (counts or neural)."""

    @property
    def name(self) -> str: ...
    @property
    def vocab(self) -> Vocab: ...
    @property
    def order(self) -> int: ...

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        """float64 rows P(· | context), len × V; an all-zero row means no distribution."""
        ...

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """log P(next | context) per pair, and a reason code (SEEN or why it is −inf)."""
        ...


@dataclass(frozen=True)
class NgramModel:
    """The counts model: row-normalised counts + k, computed on demand from sparse counts."""

    counts: NgramCounts
    k: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "k", check_smoothing(self.k))

    @property
    def name(self) -> str:
        return "counts" if self.k == 0 else f"counts+{self.k:g}"

    @property
    def vocab(self) -> Vocab:
        return self.counts.vocab

    @property
    def order(self) -> int:
        return self.counts.order

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        rows = self.counts.context_rows(context_ids)
        dense = torch.zeros(len(rows), self.vocab.size, dtype=torch.long)
        seen = rows >= 0
        if bool(seen.any()):
            dense[seen] = self.counts.dense_rows(rows[seen])
        # The bigram model's own formula, so that order 2 gives its probabilities bit for bit.
        return smoothed_probs(dense, self.k)

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        counts, size = self.counts, self.vocab.size
        context_ids, nexts = context_ids.long(), nexts.long()
        rows = counts.context_rows(context_ids)
        seen_context = rows >= 0
        totals = torch.where(seen_context, counts.context_totals[rows.clamp_min(0)], 0).double()
        pair_counts = counts.lookup(context_ids * size + nexts).double()
        # Scaled by k when k is large, as smoothed_probs does, so k·V cannot overflow.
        scale = max(self.k, 1.0)
        log_probs = (pair_counts / scale + self.k / scale).log() - (
            totals / scale + self.k * size / scale
        ).log()
        reasons = torch.full_like(nexts, SEEN)
        if self.k == 0:
            reasons[pair_counts == 0] = NEXT_NEVER_SEEN
            reasons[~seen_context] = CONTEXT_NEVER_SEEN
            # log 0 − log 0 is NaN; a context never seen has no distribution: −inf.
            log_probs[~seen_context] = -math.inf
        return log_probs, reasons


@dataclass(frozen=True)
class NgramScore:
    """The log-likelihood of a dataset under a model, and why any example is −inf."""

    log_likelihood: float
    examples: int
    unseen_context: int = 0  # examples at −inf: the context never occurs in training
    unseen_next: int = 0  # examples at −inf: this next token never followed the context

    @property
    def nll(self) -> float:
        return -self.log_likelihood

    @property
    def mean_nll(self) -> float:
        return self.nll / self.examples

    @property
    def perplexity(self) -> float:
        mean = self.mean_nll
        return math.exp(mean) if mean < 709 else math.inf

    @property
    def infinite(self) -> int:
        """How many examples the model gives probability zero."""
        return self.unseen_context + self.unseen_next

    def reasons(self) -> dict[str, int]:
        """Why examples are −inf, as shown to the user: reason → number of examples."""
        found = {
            REASONS[CONTEXT_NEVER_SEEN]: self.unseen_context,
            REASONS[NEXT_NEVER_SEEN]: self.unseen_next,
        }
        return {reason: n for reason, n in found.items() if n}


def _check_compatible(model: NextTokenModel, data: NgramCounts) -> None:
    if model.vocab != data.vocab:
        raise NgramError(
            "the model and the data have different vocabularies; "
            "build the vocabulary from the whole file before splitting"
        )
    if model.order != data.order:
        raise NgramError(f"a model of order {model.order} cannot score {data.order}-grams")


def score_counts(model: NextTokenModel, data: NgramCounts) -> NgramScore:
    """Score a dataset through its n-gram counts: sum N(context, next) · log P(next | context)."""
    _check_compatible(model, data)
    size = data.vocab.size
    log_probs, reasons = model.log_probs(data.ids.long() // size, data.nexts)
    weights = data.counts.double()
    infinite = torch.isneginf(log_probs)
    finite_sum = float((weights[~infinite] * log_probs[~infinite]).sum())
    unseen_context = int(data.counts[reasons == CONTEXT_NEVER_SEEN].sum())
    unseen_next = int(data.counts[infinite & (reasons != CONTEXT_NEVER_SEEN)].sum())
    log_likelihood = -math.inf if bool(infinite.any()) else finite_sum
    return NgramScore(log_likelihood, data.total, unseen_context, unseen_next)


def score_words(model: NextTokenModel, words: Sequence[str]) -> NgramScore:
    return score_counts(model, NgramCounts.from_words(words, model.order, vocab=model.vocab))


@dataclass(frozen=True)
class NgramStep:
    """One example of a word: the context, the next token, its P and log P, and why −inf."""

    context: tuple[str, ...]
    next: str
    prob: float
    log_prob: float
    reason: str | None  # None unless log_prob is −inf


@dataclass(frozen=True)
class NgramWordScore:
    word: str
    steps: tuple[NgramStep, ...]

    @property
    def log_likelihood(self) -> float:
        if any(math.isinf(step.log_prob) for step in self.steps):
            return -math.inf
        return math.fsum(step.log_prob for step in self.steps)

    @property
    def nll(self) -> float:
        return -self.log_likelihood

    @property
    def mean_nll(self) -> float:
        return self.nll / len(self.steps)

    @property
    def perplexity(self) -> float:
        mean = self.mean_nll
        return math.exp(mean) if mean < 709 else math.inf


def word_examples(word: str, vocab: Vocab, order: int) -> torch.Tensor:
    """The word's examples as rows of token indices: n−1 context tokens, then the next."""
    pad = [0] * (order - 1)
    indices = [*pad, *(vocab.stoi[ch] for ch in word), 0]
    return torch.tensor(indices, dtype=torch.long).unfold(0, order, 1)


def context_ids_of(windows: torch.Tensor, size: int) -> torch.Tensor:
    """The base-V id of each row of context tokens (oldest most significant)."""
    ids = torch.zeros(len(windows), dtype=torch.long)
    for j in range(windows.shape[1]):
        ids = ids * size + windows[:, j]
    return ids


def score_word(model: NextTokenModel, word: str) -> NgramWordScore:
    vocab, order = model.vocab, model.order
    unknown = vocab.unknown_chars(word)
    if unknown:
        raise OutOfVocabulary(word, unknown)
    windows = word_examples(word, vocab, order)
    context_ids = context_ids_of(windows[:, :-1], vocab.size)
    log_probs, reasons = model.log_probs(context_ids, windows[:, -1])
    itos = vocab.itos
    steps = []
    for row, log_prob, reason in zip(windows.tolist(), log_probs.tolist(), reasons.tolist()):
        shown = None if math.isfinite(log_prob) else REASONS.get(reason, "probability zero")
        prob = math.exp(log_prob)
        steps.append(
            NgramStep(tuple(itos[i] for i in row[:-1]), itos[row[-1]], prob, log_prob, shown)
        )
    return NgramWordScore(word, tuple(steps))


def context_tokens(model: NextTokenModel, context_id: int) -> tuple[str, ...]:
    """The context id as tokens, '.' for the boundary."""
    digits = digits_of(torch.tensor([context_id]), model.vocab.size, model.order - 1)
    return tuple(model.vocab.itos[i] for i in digits[0].tolist())


@dataclass(frozen=True)
class BigramRows:
    """Any bigram model (counts, smoothed, neural, uniform) read as a model of order 2, so
    the n-gram sampler and scoring take the lecture's models as they are."""

    bigram: BigramModel

    @property
    def name(self) -> str:
        return self.bigram.name

    @property
    def vocab(self) -> Vocab:
        return self.bigram.vocab

    @property
    def order(self) -> int:
        return 2

    @property
    def probs(self) -> torch.Tensor:
        return self.bigram.probs

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        return self.bigram.probs[context_ids.long()]

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        log_probs = self.bigram.log_probs[context_ids.long(), nexts.long()]
        reasons = torch.where(torch.isneginf(log_probs), NEXT_NEVER_SEEN, SEEN)
        return log_probs, reasons
