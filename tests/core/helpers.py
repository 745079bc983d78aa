"""Data for the core's tests that other layers' tests use too: a vocabulary of 90 tokens,
and a model made by hand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from bigram_tui.core.model import NEXT_NEVER_SEEN, SEEN
from bigram_tui.core.vocab import Vocab

# 89 characters: upper and lower case, digits, accented letters, a space, an emoji and a
# combining acute accent (which follows a letter, so it never starts a word).
WIDE_CHARS = (
    "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "0123456789"
    "àáâäçèéêëìíîïñòóôöùúûüÿß"
    " 😀\u0301"
)
TOKENS = len(WIDE_CHARS) + 1  # with '.'


def wide_words() -> list[str]:
    """Words that use every one of WIDE_CHARS, each at least twice."""
    base = [c for c in WIDE_CHARS if c not in " \u0301"]
    words = [f"{base[i]}{base[(i * 7 + 3) % len(base)]}e\u0301" for i in range(len(base))]
    words += [f"{c}a {c}b" for c in base]  # inner spaces are characters
    return words


def write_wide_words(directory: Path) -> Path:
    """wide_words() in `directory`/wide.txt, one a line; returns the file's path."""
    path = directory / "wide.txt"
    path.write_text("\n".join(wide_words()) + "\n", encoding="utf-8")
    return path


SMALL_CORPUS = ["emma", "ava", "anna", "bob"]  # 7 tokens: every context of every order fits


@dataclass(frozen=True)
class MatrixModel:
    """A model made by hand: the rows of a V×V matrix, read as a model of order 2."""

    name: str
    vocab: Vocab
    probs: torch.Tensor
    order: int = 2

    def known_contexts(self) -> torch.Tensor:
        return torch.arange(self.vocab.size)

    def unseen_row(self) -> torch.Tensor | None:
        return None

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        return self.probs[context_ids.long()]

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        log_probs = self.probs[context_ids.long(), nexts.long()].log()
        return log_probs, torch.where(torch.isneginf(log_probs), NEXT_NEVER_SEEN, SEEN)
