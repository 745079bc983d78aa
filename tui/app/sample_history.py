"""The Sample tab's list of finished names, numbered, bounded on long auto runs, each marked
as a training word, a dev/test word or a new name (makemore's --sample-only check), with its
NLL under the model it was drawn from, and the mean NLL of every name drawn so far."""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import RichLog

from .prob_bars import MUTED

if TYPE_CHECKING:
    from bigram_tui.core.session import SampledName, WordSplit

HISTORY_LIMIT = 1_000
# core.split's classes, by the one-letter mark each gets and its style.
MARKS = {"train": ("T", MUTED), "dev/test": ("D", "$warning"), "new": ("N", "$success bold")}
UNMARKED = ("·", MUTED)  # the split is still being read
MARK_LEGEND = "T train · D dev/test\nN new · nll per char"


def name_nll(log_probs: list[float]) -> float:
    """A name's NLL per character drawn, '.' included: the lecture's nll / n for one word."""
    return -sum(log_probs) / len(log_probs) if log_probs else math.nan


class NameHistory(RichLog):
    """One line per finished name: its number, its mark, its text, and whether it was cut."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=HISTORY_LIMIT, wrap=False, **kwargs)
        self.limit = HISTORY_LIMIT  # names kept, here and in the sampler's history
        self.count = 0  # names since the last reset, also those scrolled out
        self.split: WordSplit | None = None
        # What the lines show, so that they can be written again once the split is known:
        # the number, the name and its NLL per character.
        self.entries: deque[tuple[int, SampledName, float]] = deque(maxlen=HISTORY_LIMIT)
        # Over every name since the reset, those scrolled out too: Σ log p and characters.
        self.log_likelihood = 0.0
        self.characters = 0

    @property
    def mean_nll(self) -> float | None:
        """The NLL per character of all the names drawn so far (None before the first)."""
        return -self.log_likelihood / self.characters if self.characters else None

    @property
    def names(self) -> list[str]:
        """The names the list holds, oldest first."""
        return [name.text for _, name, _ in self.entries]

    def mark_of(self, name: SampledName) -> str | None:
        """'train', 'dev/test' or 'new'; None until the split is known."""
        return None if self.split is None else self.split.classify(name.text)

    def add(self, name: SampledName, log_probs: list[float]) -> None:
        """List `name`, drawn with the model's log p of each of its characters ('.' too)."""
        self.count += 1
        nll = name_nll(log_probs)
        self.log_likelihood += sum(log_probs)
        self.characters += len(log_probs)
        self.entries.append((self.count, name, nll))
        self._write(self.count, name, nll)

    def _write(self, number: int, name: SampledName, nll: float) -> None:
        mark = self.mark_of(name)
        parts: list[tuple[str, str] | str] = [(f"{number:>4} ", MUTED)]
        parts += [UNMARKED if mark is None else MARKS[mark], " "]
        parts.append((f"{nll:5.2f} ", MUTED))
        parts.append(name.text if name.text else ("(empty)", MUTED))
        if name.cut:
            parts.append(("…(cut)", "$warning"))
        self.write(Content.assemble(*parts))

    def use_split(self, split: WordSplit) -> None:
        """Mark every name against `split`, those already listed too."""
        self.split = split
        self.clear()
        for number, name, nll in self.entries:
            self._write(number, name, nll)

    def restart(self) -> None:
        self.count = 0
        self.log_likelihood, self.characters = 0.0, 0
        self.entries.clear()
        self.clear()
