"""Scores of order n: the log-likelihood of a dataset or a word, and why any example is −inf.

A dataset's likelihood depends on it only through its n-gram counts,
sum N(context, next) · log P(next | context), so scoring costs one pass over the distinct
n-grams. A word is scored example by example (context → next), as the Word pane shows it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from .counts import NgramCounts, NgramError, digits_of
from .errors import OutOfVocabulary
from .model import CONTEXT_NEVER_SEEN, NEXT_NEVER_SEEN, REASONS, NextTokenModel
from .vocab import Vocab


def perplexity(mean_nll: float) -> float:
    """exp(mean NLL), inf where that overflows: the one home of the conversion."""
    return math.exp(mean_nll) if mean_nll < 709 else math.inf


@dataclass(frozen=True)
class DatasetScore:
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
        return perplexity(self.mean_nll)

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


@dataclass(frozen=True)
class Unseen:
    """What a part holds that train never shows, defined once for the CLI and the app.

    `examples` counts occurrences (each example of the part whose n-gram train lacks; at
    k = 0 exactly the examples scored −inf), `ngrams` the distinct such n-grams. Of those,
    `context_examples` and `contexts` are the ones whose context train never shows at all.
    """

    examples: int
    ngrams: int
    context_examples: int
    contexts: int

    def describe(self, part: str) -> str:
        """One phrase, e.g. "137 dev examples (133 distinct n-grams) never seen in train,
        5 of them in a context never seen"; "" when there are none."""
        if not self.examples:
            return ""
        examples = "example" if self.examples == 1 else "examples"
        ngrams = "n-gram" if self.ngrams == 1 else "n-grams"
        text = (
            f"{self.examples:,} {part} {examples} ({self.ngrams:,} distinct {ngrams}) "
            "never seen in train"
        )
        if self.context_examples:
            text += f", {self.context_examples:,} of them in a context never seen"
        return text


def unseen_in(train: NgramCounts, data: NgramCounts) -> Unseen:
    """What of `data` train never shows: occurrences and distinct n-grams (see Unseen)."""
    missing = train.lookup(data.ids) == 0
    context_missing = train.context_rows(data.ids.long() // data.vocab.size) < 0
    return Unseen(
        examples=int(data.counts[missing].sum()),
        ngrams=int(missing.sum()),
        context_examples=int(data.counts[context_missing].sum()),
        contexts=int((train.context_rows(data.contexts) < 0).sum()),
    )


def _check_compatible(model: NextTokenModel, data: NgramCounts) -> None:
    if model.vocab != data.vocab:
        raise NgramError(
            "the model and the data have different vocabularies; "
            "build the vocabulary from the whole file before splitting"
        )
    if model.order != data.order:
        raise NgramError(f"a model of order {model.order} cannot score {data.order}-grams")


def score_counts(model: NextTokenModel, data: NgramCounts) -> DatasetScore:
    """Score a dataset through its n-gram counts: sum N(context, next) · log P(next | context)."""
    _check_compatible(model, data)
    size = data.vocab.size
    log_probs, reasons = model.log_probs(data.ids.long() // size, data.nexts)
    weights = data.counts.double()
    infinite = torch.isneginf(log_probs)
    if not bool(infinite.any()):
        # A model gives a reason other than SEEN only with −inf: nothing more to tally.
        return DatasetScore(float((weights * log_probs).sum()), data.total)
    finite_sum = float((weights[~infinite] * log_probs[~infinite]).sum())
    unseen_context = int(data.counts[reasons == CONTEXT_NEVER_SEEN].sum())
    unseen_next = int(data.counts[infinite & (reasons != CONTEXT_NEVER_SEEN)].sum())
    log_likelihood = -math.inf if bool(infinite.any()) else finite_sum
    return DatasetScore(log_likelihood, data.total, unseen_context, unseen_next)


def score_words(model: NextTokenModel, words: Sequence[str]) -> DatasetScore:
    return score_counts(model, NgramCounts.from_words(words, model.order, vocab=model.vocab))


@dataclass(frozen=True)
class WordStep:
    """One example of a word: the context, the next token, its P and log P, and why −inf."""

    context: tuple[str, ...]
    next: str
    prob: float
    log_prob: float
    reason: str | None  # None unless log_prob is −inf


@dataclass(frozen=True)
class WordScore:
    word: str
    steps: tuple[WordStep, ...]

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
        return perplexity(self.mean_nll)


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


def score_word(model: NextTokenModel, word: str) -> WordScore:
    vocab, order = model.vocab, model.order
    unknown = vocab.unknown_chars(word)
    if unknown:
        raise OutOfVocabulary(word, unknown)
    windows = word_examples(word, vocab, order)
    context_ids = context_ids_of(windows[:, :-1], vocab.size)
    log_probs, reasons = model.log_probs(context_ids, windows[:, -1])
    # P straight from the model's rows: exp(log P) can be an ulp off the entry shown beside it.
    probs = model.next_probs(context_ids).gather(1, windows[:, -1:]).squeeze(1)
    itos = vocab.itos
    steps = []
    for row, log_prob, reason, prob in zip(
        windows.tolist(), log_probs.tolist(), reasons.tolist(), probs.tolist(), strict=True
    ):
        shown = None if math.isfinite(log_prob) else REASONS.get(reason, "probability zero")
        steps.append(
            WordStep(tuple(itos[i] for i in row[:-1]), itos[row[-1]], prob, log_prob, shown)
        )
    return WordScore(word, tuple(steps))


def context_tokens(model: NextTokenModel, context_id: int) -> tuple[str, ...]:
    """The context id as tokens, '.' for the boundary."""
    digits = digits_of(torch.tensor([context_id]), model.vocab.size, model.order - 1)
    return tuple(model.vocab.itos[i] for i in digits[0].tolist())
