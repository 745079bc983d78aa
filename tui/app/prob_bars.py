"""Pictures of one probability row: a column chart of P(next | context), and the cumulative bar
that the classic sampler places its uniform u on.

Both take plain Python lists (not tensors) so they can be drawn and tested without torch.
Styles name theme variables ($accent, $primary…), resolved at render time, so a theme
change recolours them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from itertools import accumulate

from textual.content import Content
from textual.widget import Widget

EIGHTHS = " ▁▂▃▄▅▆▇█"
PERCENT_UNIT = "%"  # the unit of the numbers above the bars


def display_char(char: str) -> str:
    """One cell that stands for `char`: the boundary '.' stays '.', blanks become visible."""
    if char == " ":
        return "␣"
    if not char.isprintable() or len(char) != 1:
        return "?"
    return char


def column_bar(level: float, rows: int) -> list[str]:
    """A vertical bar `level` (0..1) tall over `rows` cells, top row first, in eighths."""
    eighths = round(max(0.0, min(1.0, level)) * rows * 8)
    if level > 0 and eighths == 0:
        eighths = 1  # a possible character never looks impossible
    cells = []
    for row in range(rows - 1, -1, -1):
        filled = min(8, max(0, eighths - 8 * row))
        cells.append(EIGHTHS[filled])
    return cells


BAR = "$primary"
GHOST = "$foreground-muted 45%"  # the model's own distribution, behind the one drawn from
CHOSEN = "$accent bold"
CHOSEN_LABEL = "$background bold on $accent"
MUTED = "$foreground-muted"


class ProbBars(Widget):
    """P(next | context) as one labelled column per character; the chosen one highlighted.

    Width decides the detail: 4 cells per character (with percentages above), 3, 2, or 1;
    a vocabulary too wide even for 1 cell each shows its most likely characters.
    Given an `original` that differs (temperature, top-k), it is drawn faintly: in its own
    cell beside each bar when there is room, else behind the bars.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._labels: Sequence[str] = ()
        self._probs: Sequence[float] = ()
        self._original: Sequence[float] | None = None
        self._chosen: int | None = None

    def show(
        self,
        labels: Sequence[str],
        probs: Sequence[float],
        chosen: int | None,
        original: Sequence[float] | None = None,
    ) -> None:
        self._labels, self._probs, self._chosen = labels, probs, chosen
        self._original = None if original is None or list(original) == list(probs) else original
        self.refresh()

    @property
    def shows_original(self) -> bool:
        """Whether a second, faint distribution is drawn with the bars."""
        return self._original is not None

    def shown_indices(self, width: int) -> list[int]:
        """Which characters get a column at this width (all of them when they fit)."""
        count = len(self._probs)
        if count <= width:
            return list(range(count))
        by_prob = sorted(range(count), key=lambda i: -self._probs[i])
        keep = set(by_prob[:width])
        if self._chosen is not None and self._chosen not in keep:
            keep.discard(by_prob[width - 1])
            keep.add(self._chosen)
        return sorted(keep)

    def render(self) -> Content:
        width, height = self.size.width, self.size.height
        if not self._probs or width < 1 or height < 2:
            return Content("")
        indices = self.shown_indices(width)
        cell = next((c for c in (4, 3, 2) if c * len(indices) <= width), 1)
        bar_width = max(cell - 1, 1)
        # Every number whole or none: a 100 cut to the bar's width read "10".
        labels_fit = all(len(percent_label(self._probs[i])) <= bar_width for i in indices)
        with_numbers = cell >= 3 and height >= 4 and labels_fit
        rows = height - 1 - int(with_numbers)
        original = self._original
        # One scale for both, so that a sharpened bar is seen to grow.
        tallest = max(max(self._probs), max(original or [0.0])) or 1.0
        gap = " " if cell > 1 else ""

        parts: list[tuple[str, str] | str] = []
        if with_numbers:
            for i in indices:
                label = percent_label(self._probs[i]).center(bar_width)
                parts += [(label, CHOSEN if i == self._chosen else MUTED), gap]
            # The row's unit, after its last number when there is room (labels are too narrow).
            if width - cell * len(indices) >= len(PERCENT_UNIT):
                parts.append((PERCENT_UNIT, MUTED))
            parts.append("\n")
        columns = [column_bar(self._probs[i] / tallest, rows) for i in indices]
        ghosts = [column_bar(original[i] / tallest, rows) for i in indices] if original else None
        beside = ghosts is not None and bar_width >= 2
        drawn_width = bar_width - 1 if beside else bar_width
        for row in range(rows):
            for position, (column, i) in enumerate(zip(columns, indices)):
                glyph, style = column[row], CHOSEN if i == self._chosen else BAR
                if ghosts is not None and not beside and glyph == " ":
                    glyph, style = ghosts[position][row], GHOST
                parts.append((glyph * drawn_width, style))
                if beside and ghosts is not None:
                    parts.append((ghosts[position][row], GHOST))
                parts.append(gap)
            parts.append("\n")
        for i in indices:
            label = display_char(self._labels[i]).center(bar_width)
            parts += [(label, CHOSEN_LABEL if i == self._chosen else ""), gap]
        return Content.assemble(*parts)


def percent_label(p: float) -> str:
    """p as a whole percentage that never rounds a possible character down to 0."""
    if p == 0:
        return "0"
    if p < 0.01:
        return "<1"
    return f"{round(p * 100)}"


class CumulativeBar(Widget):
    """The line [0, 1) cut into one segment per character, as wide as its p, with ▲ at u."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._labels: Sequence[str] = ()
        self._cumulative: list[float] = []
        self._u: float | None = None
        self._chosen: int | None = None

    def show(
        self,
        labels: Sequence[str],
        probs: Sequence[float],
        u: float | None,
        chosen: int | None,
    ) -> None:
        self._labels = labels
        self._cumulative = list(accumulate(probs))
        self._u, self._chosen = u, chosen
        self.refresh()

    def owners(self, width: int) -> list[int]:
        """For each cell, the character whose segment covers the cell's midpoint."""
        last = len(self._cumulative) - 1
        return [
            min(bisect.bisect_left(self._cumulative, (cell + 0.5) / width), last)
            for cell in range(width)
        ]

    def render(self) -> Content:
        width = self.size.width
        if not self._cumulative or width < 2:
            return Content("")
        owners = self.owners(width)
        # Neighbouring segments alternate shades so that their boundaries show.
        shades = ("$foreground on $primary 30%", "$foreground on $primary 60%")
        parts: list[tuple[str, str] | str] = []
        for cell, owner in enumerate(owners):
            starts = cell == 0 or owners[cell - 1] != owner
            glyph = display_char(self._labels[owner]) if starts else " "
            parts.append((glyph, CHOSEN_LABEL if owner == self._chosen else shades[owner % 2]))
        parts.append("\n")
        if self._u is not None:
            column = min(int(self._u * width), width - 1)
            note = f"u={self._u:.4f}"
            if column + 2 + len(note) > width:  # no room on the right: write it on the left
                parts += [" " * max(column - len(note) - 1, 0), (note + " ", MUTED)]
                parts.append(("▲", CHOSEN))
            else:
                parts += [" " * column, ("▲", CHOSEN), (" " + note, MUTED)]
        return Content.assemble(*parts)
