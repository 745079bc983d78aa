"""The training loss per epoch, with the counts model's NLL drawn as the floor it approaches.

plotext rebuilds the whole figure on every render, on the UI thread, so this widget only
re-renders when `show` hands it new epochs, and plots a thinned series (about two points
per column) instead of every epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from textual.color import Color
from textual_plotext import PlotextPlot

# Above this many target epochs a fixed x axis would squash the early curve into one column.
_FIXED_AXIS_MAX_EPOCHS = 20_000


def thin_indices(count: int, points: int) -> list[int]:
    """Every k-th index of `count` so that about `points` remain, always keeping the last."""
    if count <= 0:
        return []
    step = max(1, math.ceil(count / max(points, 1)))
    indices = list(range(0, count, step))
    if indices[-1] != count - 1:
        indices.append(count - 1)
    return indices


class LossPlot(PlotextPlot):
    """A focusable plot of per-epoch loss: focus here means the pane's keys are live."""

    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._losses: Sequence[float] = ()
        self._floor: float | None = None
        self._target_epochs = 0
        self.render_seconds = 0.0  # how long the last render took, for callers to pace redraws
        self._rendered: tuple[tuple, object] | None = None  # (what it showed, the renderable)
        self._stale = False  # new epochs arrived while hidden

    def show(self, losses: Sequence[float], floor: float | None, target_epochs: int) -> None:
        """Plot `losses` (index = epoch) against the `floor` line; re-renders once."""
        self._losses = losses
        self._floor = floor
        self._target_epochs = target_epochs
        # Hidden, keep the last figure: a pane switch paints it at once, the new one a frame later.
        self._stale = not self.is_on_screen
        if not self._stale:
            self.refresh()

    def on_show(self) -> None:
        if self._stale:
            self._stale = False
            self.call_after_refresh(self.refresh)

    def _rgb(self, variable: str, fallback: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(variable, fallback)
        return Color.parse(value).rgb

    def render(self):
        losses = self._losses
        shown = (
            len(losses),
            losses[-1] if losses else None,
            self._floor,
            self._target_epochs,
            self.size,
            self.app.theme,
        )
        # Showing the pane again, or a repaint under a toast, needs no new figure.
        if self._rendered is not None and self._rendered[0] == shown:
            return self._rendered[1]
        started = time.perf_counter()
        self._build_figure()
        rendered = super().render()
        self.render_seconds = time.perf_counter() - started
        self._rendered = (shown, rendered)
        return rendered

    def _build_figure(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_color()
        width = max(self.size.width, 10)
        plt.title("loss (mean NLL) by epoch")
        losses = self._losses
        count = len(losses)
        # Thin to about one point per braille dot column; the curve keeps its shape.
        indices = thin_indices(count, 2 * width)
        xs = indices
        ys = [losses[i] for i in indices]
        floor = self._floor
        last_epoch = max(count - 1, 1)
        if self._target_epochs <= _FIXED_AXIS_MAX_EPOCHS:
            last_epoch = max(last_epoch, self._target_epochs)
        plt.xlim(0, last_epoch)
        ticks = sorted({float(round(last_epoch * i / 4)) for i in range(5)})
        plt.xticks(ticks, [f"{int(tick):,}" for tick in ticks])

        finite = [y for y in ys if math.isfinite(y)]
        top = max(finite) if finite else (floor + 1.5 if floor is not None else 4.0)
        bottom = min(finite) if finite else top - 1.5
        if floor is not None:
            bottom = min(bottom, floor)
        span = max(top - bottom, 0.1)
        # Leave a band under the floor line for its label: no loss is ever plotted there.
        plt.ylim(bottom - 0.18 * span, top + 0.04 * span)

        if floor is not None:
            # Drawn as a braille series like the curve, not hline: hline snaps to whole
            # rows, and a curve 0.003 above it would then be drawn below it.
            plt.plot(
                [0, last_epoch],
                [floor, floor],
                color=self._rgb("success", "green"),
                marker="braille",
            )
            label = f"counts model NLL {floor:.6f}: the floor training approaches"
            if len(label) > width - 10:
                label = f"floor: counts model NLL {floor:.6f}"
            plt.text(
                label,
                x=0,
                y=floor - 0.09 * span,
                color=self._rgb("success", "green"),
                alignment="left",
            )
        if xs:
            plt.plot(xs, ys, color=self._rgb("primary", "blue"), marker="braille")
