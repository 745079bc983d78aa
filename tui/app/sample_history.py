"""The Sample tab's list of finished names, numbered, bounded on long auto runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import RichLog

from .prob_bars import MUTED

if TYPE_CHECKING:
    from bigram_tui.core.sampling import SampledName

HISTORY_LIMIT = 1_000


class NameHistory(RichLog):
    """One line per finished name: its number, its text, and whether it was cut."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_lines=HISTORY_LIMIT, wrap=False, **kwargs)
        self.limit = HISTORY_LIMIT  # names kept, here and in the sampler's history
        self.count = 0  # names since the last reset, also those scrolled out

    def add(self, name: SampledName) -> None:
        self.count += 1
        parts: list[tuple[str, str] | str] = [(f"{self.count:>4} ", MUTED)]
        parts.append(name.text if name.text else ("(empty)", MUTED))
        if name.cut:
            parts.append(("…(cut)", "$warning"))
        self.write(Content.assemble(*parts))

    def restart(self) -> None:
        self.count = 0
        self.clear()
