"""The lecture notebook's loops, written as the notebook writes them: the references.

Each function is the cell it names (01_bigram_notebook In[10], In[12], In[16], In[23]/In[24]),
with the variable names kept, so that a speed-up is measured against what the lecture runs
and not against a straw man. Only printing is left out, and the cell's inputs (words, the
matrix, the seed) become arguments so that the bench can time them and the smoke test can
feed them a tiny corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

SEED = 2147483647  # the lecture's generator seed
LEARNING_RATE = 50  # In[24]: "learning_rate = 50  # !!!"


@dataclass
class NotebookCounts:
    """What In[10] leaves behind: the matrix and the two lookup tables."""

    co_occurrence_matrix: torch.Tensor  # int32, V×V, '.' at index 0
    string_to_integer: dict[str, int]
    integer_to_string: dict[int, str]


def count_bigrams(words: Sequence[str]) -> NotebookCounts:
    """In[10]: one tensor increment per bigram."""
    chars = sorted(list(set("".join(words))))

    string_to_integer = {string: integer + 1 for integer, string in enumerate(chars)}
    string_to_integer["."] = 0

    integer_to_string = {integer: string for string, integer in string_to_integer.items()}

    co_occurrence_matrix = torch.zeros((len(chars) + 1, len(chars) + 1), dtype=torch.int32)

    for word in words:
        tokens = ["."] + list(word) + ["."]  # noqa: RUF005 (the notebook's spelling is kept)

        for token1, token2 in zip(tokens, tokens[1:]):  # noqa: RUF007
            idx1, idx2 = string_to_integer[token1], string_to_integer[token2]
            co_occurrence_matrix[idx1, idx2] += 1

    return NotebookCounts(co_occurrence_matrix, string_to_integer, integer_to_string)


def probability_matrix_of(co_occurrence_matrix: torch.Tensor) -> torch.Tensor:
    """In[14]."""
    return co_occurrence_matrix / co_occurrence_matrix.sum(dim=1, keepdims=True)


def dataset_nll(
    words: Sequence[str], probability_matrix: torch.Tensor, string_to_integer: dict[str, int]
) -> tuple[float, int]:
    """In[16]: a float32 running sum of one log-probability per bigram. Returns (nll, n)."""
    log_likelihood = 0
    n = 0
    for word in words:
        tokens = ["."] + list(word) + ["."]  # noqa: RUF005

        for token1, token2 in zip(tokens, tokens[1:]):  # noqa: RUF007
            idx1, idx2 = string_to_integer[token1], string_to_integer[token2]
            bigram_log_probability = probability_matrix[idx1, idx2].log()

            log_likelihood += bigram_log_probability
            n += 1

    nll = -log_likelihood
    return float(nll), n


class OneHotTraining:
    """In[23] builds (xs, ys) and W; `epoch()` is one pass of In[24]'s loop body."""

    def __init__(
        self, words: Sequence[str], string_to_integer: dict[str, int], seed: int = SEED
    ) -> None:
        xs, ys = [], []

        for word in words:
            tokens = ["."] + list(word) + ["."]  # noqa: RUF005

            for token1, token2 in zip(tokens, tokens[1:]):  # noqa: RUF007
                idx1, idx2 = string_to_integer[token1], string_to_integer[token2]

                xs.append(idx1)
                ys.append(idx2)

        self.xs = torch.tensor(xs)
        self.ys = torch.tensor(ys)
        self.num_tokens = len(string_to_integer)

        g = torch.Generator().manual_seed(seed)
        self.W = torch.randn(self.num_tokens, self.num_tokens, generator=g, requires_grad=True)

    def epoch(self, learning_rate: float = LEARNING_RATE) -> float:
        """Returns the loss printed at the top of the epoch, before the update."""
        xs, ys, W, num_tokens = self.xs, self.ys, self.W, self.num_tokens
        # Forward pass
        xenc = F.one_hot(xs, num_classes=num_tokens).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(dim=1, keepdims=True)
        loss = -probs[torch.arange(len(xs)), ys].log().mean()

        # Backward pass
        W.grad = None
        loss.backward()

        # Update
        W.data -= learning_rate * W.grad
        return loss.item()


def sample_names(
    co_occurrence_matrix: torch.Tensor,
    integer_to_string: dict[int, str],
    n: int,
    seed: int = SEED,
) -> list[str]:
    """In[12]: one torch.multinomial call, and one .item(), per character drawn."""
    g_cpu = torch.Generator().manual_seed(seed)

    co_occurrence_matrix_float = co_occurrence_matrix.float()

    names = []
    for _ in range(n):
        out_list = []
        idx = 0
        while True:
            unnormalized_probability_vector = co_occurrence_matrix_float[idx]
            idx = torch.multinomial(
                input=unnormalized_probability_vector,
                num_samples=1,
                replacement=True,
                generator=g_cpu,
            ).item()

            if idx == 0:
                break
            out_list.append(integer_to_string[idx])

        names.append("".join(out_list))
    return names
