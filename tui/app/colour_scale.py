"""Colour scales for the heatmap, built from exact xterm-256 colours.

Over SSH with TERM=xterm-256color and no COLORTERM, a smooth 24-bit ramp collapses to a
handful of muddy steps. Ten colours picked from the 256-colour cube stay ten distinct
colours in both modes, so each bin in the legend means the same thing on every terminal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.color import Color

# Low → high. Dark themes start near the background; light themes start at white, as
# the notebook's "Blues" map does.
SEQUENTIAL_DARK = (17, 18, 19, 26, 32, 38, 44, 86, 192, 226)
SEQUENTIAL_LIGHT = (195, 153, 117, 111, 75, 33, 27, 26, 19, 17)
# Negative (blue) … positive (red), for differences between two models.
DIVERGING = (27, 33, 75, 117, 188, 224, 217, 210, 203, 160)
# NO_COLOR: Textual greys every colour by its luminance, which merges 17, 18 and 19 with the
# background. Greys of evenly spaced lightness stay ten distinct steps (issue 10, item 17).
MONO = (238, 240, 242, 244, 246, 248, 250, 252, 254, 231)
BINS = len(SEQUENTIAL_DARK)


def xterm(index: int) -> Color:
    return Color.from_ansi(index)


def palette(name: str) -> tuple[int, ...]:
    palettes = {"dark": SEQUENTIAL_DARK, "light": SEQUENTIAL_LIGHT, "diverging": DIVERGING}
    return {**palettes, "mono": MONO}[name]


def text_colour_on(name: str, bin_index: int) -> Color:
    """Black or white, whichever reads on that bin's background."""
    if name == "dark":
        return xterm(16) if bin_index >= 7 else xterm(231)
    if name == "mono":
        return xterm(16) if bin_index >= 4 else xterm(231)
    if name == "light":
        return xterm(231) if bin_index >= 5 else xterm(16)
    return xterm(16)


@dataclass(frozen=True)
class Scale:
    """Maps a value to a bin 0…BINS-1, or -1 for "nothing here" (a zero count, log 0)."""

    kind: str  # "log" (counts-like, ≥ 0), "linear" (≥ 0), "span" (lo…hi), "diverging" (±)
    low: float
    high: float

    def bin(self, value: float) -> int:
        if math.isnan(value) or (self.kind in ("log", "linear") and value <= 0):
            return -1
        if self.kind == "span" and value == -math.inf:
            return -1
        t = self._fraction(value)
        return min(BINS - 1, max(0, int(t * BINS)))

    def _fraction(self, value: float) -> float:
        if self.kind == "log":
            return math.log1p(value) / math.log1p(self.high) if self.high > 0 else 0.0
        if self.kind == "linear":
            return value / self.high if self.high > 0 else 0.0
        if self.kind == "diverging":
            return 0.5 + 0.5 * value / self.high if self.high > 0 else 0.5
        width = self.high - self.low
        return (value - self.low) / width if width > 0 else 1.0

    def edges(self) -> list[float]:
        """The value at the lower edge of each bin, for the legend."""
        fractions = [i / BINS for i in range(BINS)]
        if self.kind == "log":
            return [math.expm1(f * math.log1p(self.high)) for f in fractions]
        if self.kind == "linear":
            return [f * self.high for f in fractions]
        if self.kind == "diverging":
            return [(2 * f - 1) * self.high for f in fractions]
        return [self.low + f * (self.high - self.low) for f in fractions]
