"""A U-curve of dev NLL against a log-spaced hyperparameter (k or λ), with its best point marked.

The x axis is log10 of the value, labelled in plain numbers; a value of 0 has no place on a
log axis, so callers leave it out and say what it scored in the title. Like LossPlot, the
figure is rebuilt only when what it shows changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from textual.color import Color
from textual_plotext import PlotextPlot


def value_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """`count` evenly spaced y ticks from low to high, labelled to 4 decimals (NLLs)."""
    step = (high - low) / (count - 1)
    ticks = [low + i * step for i in range(count)]
    return ticks, [f"{tick:.4f}" for tick in ticks]


PLOT_MARGIN = 9  # columns of the widget outside the plot area: the y labels and the frame


def label_anchor(
    x: float, x_range: tuple[float, float], length: int, columns: int
) -> tuple[float, Literal["left", "right"]]:
    """Where a label of `length` columns goes to sit under `x` and stay whole in the plot.

    It starts at x when it fits to the right, ends at x when it fits to the left, and
    otherwise starts at the plot's left edge (a narrow plot: 80×24 halves the width).
    """
    low, high = x_range
    at = (x - low) / (high - low) * columns if high > low else 0.0
    if at + length <= columns:
        return x, "left"
    if at - length >= 0:
        return x, "right"
    return low, "left"


@dataclass(frozen=True)
class Curve:
    title: str
    xs: tuple[float, ...]  # every value > 0
    ys: tuple[float, ...]
    best: tuple[float, float] | None  # (x, y) of the point to mark
    best_label: str = ""
    reference: tuple[float, str] | None = None  # a horizontal line: (y, label)
    # The x axis's (low, high) when it is wider than xs: a sweep drawn as its points come.
    x_span: tuple[float, float] | None = None


def decade_label(exponent: int) -> str:
    return f"1e{exponent}" if exponent < -2 else f"{10.0**exponent:g}"


def decade_ticks(low: float, high: float, width: int) -> tuple[list[float], list[str]]:
    """Tick positions (log10) at whole decades between low and high, thinned to fit `width`."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    exponents = list(range(first, last + 1))
    # About 7 columns per label; skip every other decade when they would collide.
    step = 1
    while exponents and len(exponents[::step]) * 7 > max(width - 8, 7):
        step += 1
    shown = exponents[::step]
    return [float(e) for e in shown], [decade_label(e) for e in shown]


def y_range(curve: Curve) -> tuple[float, float]:
    """Zoomed on the valley: the lower arm of the U reaches about 40% of the height.

    Large k or λ drive the model towards uniform (3.3 nats on names.txt); drawn to scale,
    that arm would flatten the minimum, which is the point of the curve, into one row.
    """
    finite = [y for y in curve.ys if math.isfinite(y)]
    if not finite:
        return 0.0, 1.0
    bottom, top = min(finite), max(finite)
    arm = min(finite[0], finite[-1]) - bottom
    top = min(top, bottom + 2.5 * max(arm, 0.005))
    if curve.reference is not None:
        bottom = min(bottom, curve.reference[0])
        top = max(top, curve.reference[0])
    return bottom, top


class SweepPlot(PlotextPlot):
    """A focusable plot of one sweep; `show(None, title)` draws the empty axes and a title."""

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._curve: Curve | None = None
        self._empty_title = ""
        self._rendered: tuple[tuple, object] | None = None

    @property
    def curve(self) -> Curve | None:
        return self._curve

    def show(self, curve: Curve | None, empty_title: str = "") -> None:
        if (curve, empty_title) == (self._curve, self._empty_title):
            return  # a sweep's every point redraws the pane: the other plot stays as it is
        self._curve = curve
        self._empty_title = empty_title
        self.refresh()

    def _rgb(self, variable: str, fallback: str) -> tuple[int, int, int]:
        return Color.parse(self.app.theme_variables.get(variable, fallback)).rgb

    def render(self):
        shown = (self._curve, self._empty_title, self.size, self.app.theme)
        if self._rendered is not None and self._rendered[0] == shown:
            return self._rendered[1]
        self._build_figure()
        rendered = super().render()
        self._rendered = (shown, rendered)
        return rendered

    def _build_figure(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_color()
        curve = self._curve
        if curve is None or not curve.xs:
            plt.title(self._empty_title)
            plt.xticks([], [])
            plt.yticks([], [])
            return
        plt.title(curve.title)
        # Ticks of our own: plotext keeps the empty axes' cleared ticks, so automatic ones
        # showed only when the curve came before the first frame.
        width = max(self.size.width, 10)
        logs = [math.log10(x) for x in curve.xs]
        low_x, high_x = curve.x_span or (min(curve.xs), max(curve.xs))
        ticks, labels = decade_ticks(low_x, high_x, width)
        plt.xticks(ticks, labels)
        x_range = (math.log10(low_x), math.log10(high_x))
        plt.xlim(*x_range)
        bottom, top = y_range(curve)
        span = max(top - bottom, 1e-3)
        # Room under the curve for the label of the best point.
        low, high = bottom - 0.2 * span, top + 0.05 * span
        plt.ylim(low, high)
        plt.yticks(*value_ticks(low, high, max(2, min(6, self.size.height // 3))))
        if curve.reference is not None:
            level, label = curve.reference
            colour = self._rgb("success", "green")
            plt.plot(list(x_range), [level, level], color=colour, marker="braille")
            plt.text(label, x=x_range[1], y=level + 0.06 * span, color=colour, alignment="right")
        points = [(x, y) for x, y in zip(logs, curve.ys) if math.isfinite(y)]
        plt.plot(
            [x for x, _ in points],
            [y for _, y in points],
            color=self._rgb("primary", "blue"),
            marker="braille",
        )
        if curve.best is not None:
            best_x, best_y = math.log10(curve.best[0]), curve.best[1]
            colour = self._rgb("warning", "yellow")
            plt.scatter([best_x], [best_y], color=colour, marker="◆")
            x, alignment = label_anchor(best_x, x_range, len(curve.best_label), width - PLOT_MARGIN)
            plt.text(
                curve.best_label, x=x, y=best_y - 0.12 * span, color=colour, alignment=alignment
            )
