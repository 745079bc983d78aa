"""A bigram model is a row-stochastic matrix over a vocabulary: P[i, j] = P(next=j | current=i).

The counts model, its add-k smoothed variants, the uniform baseline and the neural net
all reduce to one of these, so scoring and sampling treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .counts import BigramCounts
from .params import check_smoothing
from .vocab import Vocab


@dataclass(frozen=True)
class BigramModel:
    name: str
    vocab: Vocab
    probs: torch.Tensor  # float64, vocab.size × vocab.size, rows sum to 1

    @property
    def log_probs(self) -> torch.Tensor:
        # log(0) = -inf is the honest answer for a bigram the data never shows.
        return self.probs.log()


def smoothed_probs(counts: torch.Tensor, k: float = 0.0) -> torch.Tensor:
    """Row-normalised (counts + k); a row with no counts at all stays zero rather than NaN."""
    k = check_smoothing(k)
    # Scaled by k when k is large, so that even k near the float maximum cannot overflow.
    scale = max(k, 1.0)
    pseudo_counts = counts.double() / scale + k / scale
    row_totals = pseudo_counts.sum(dim=1, keepdim=True)
    return torch.where(row_totals > 0, pseudo_counts / row_totals.clamp_min(1e-300), 0.0)


def counts_model(counts: BigramCounts, k: float = 0.0) -> BigramModel:
    k = check_smoothing(k)
    name = "counts" if k == 0 else f"counts+{k:g}"
    return BigramModel(name, counts.vocab, smoothed_probs(counts.counts, k))


def uniform_model(vocab: Vocab) -> BigramModel:
    size = vocab.size
    return BigramModel("uniform", vocab, torch.full((size, size), 1.0 / size, dtype=torch.float64))
