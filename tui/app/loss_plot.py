"""The training loss per epoch, with the counts model's NLL drawn as the floor it approaches,
and other curves over it: the dev loss, and a pinned run to compare with.

plotext rebuilds the whole figure on every render, on the UI thread, so this widget only
re-renders when `show` hands it new epochs, and plots a thinned series (about two points
per column) instead of every epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Curve:
    """A further series: its legend label, its loss per epoch, and its theme colour."""

    label: str
    losses: Sequence[float]
    colour: str  # a theme variable, e.g. "secondary"
    fallback: str = "magenta"  # a plotext colour name when the theme has no such variable

    @property
    def shown(self) -> tuple:
        losses = self.losses
        return (self.label, len(losses), losses[-1] if losses else None, self.colour)


class LossPlot(PlotextPlot):
    """A focusable plot of per-epoch loss: focus here means the pane's keys are live."""

    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._losses: Sequence[float] = ()
        self._floor: float | None = None
        self._target_epochs = 0
        self._label = ""  # the main curve's legend label; none, no legend
        self._extra: tuple[Curve, ...] = ()
        self.drawn_labels: tuple[str, ...] = ()  # the legend of the last figure, in order
        self.render_seconds = 0.0  # how long the last render took, for callers to pace redraws
        self._rendered: tuple[tuple, object] | None = None  # (what it showed, the renderable)
        self._stale = False  # new epochs arrived while hidden
        self._strips: tuple[object, tuple, Any] | None = None  # (figure, view, render cache)

    def show(
        self,
        losses: Sequence[float],
        floor: float | None,
        target_epochs: int,
        *,
        label: str = "",
        extra: Sequence[Curve] = (),
    ) -> None:
        """Plot `losses` (index = epoch) against the `floor` line, over the `extra` curves;
        re-renders once. With labels, the figure has a legend."""
        self._losses = losses
        self._label = label
        self._extra = tuple(extra)
        self._floor = floor
        self._target_epochs = target_epochs
        # Hidden, keep the last figure: a pane switch paints it at once, the new one a frame later.
        if not self.is_on_screen:
            self._stale = True
        self.refresh()

    def on_show(self) -> None:
        if self._stale:
            self.call_after_refresh(self._catch_up)

    def _catch_up(self) -> None:
        self._stale = False
        self.refresh()

    def _rgb(self, variable: str, fallback: str) -> tuple[int, int, int]:
        value = self.app.theme_variables.get(variable, fallback)
        return Color.parse(value).rgb

    def render(self):
        losses = self._losses
        shown = (
            len(losses),
            losses[-1] if losses else None,
            self._floor,
            self._label,
            tuple(curve.shown for curve in self._extra),
            self._target_epochs,
            self.size,
            self.app.theme,
        )
        # Showing the pane again, or a repaint under a toast, needs no new figure; nor does
        # the first frame after a pane switch (the new epochs follow in the next).
        if self._rendered is not None:
            before = self._rendered[0]
            if before == shown or (self._stale and before[-2:] == shown[-2:]):
                return self._rendered[1]
        started = time.perf_counter()
        self._build_figure()
        rendered = super().render()
        self.render_seconds = time.perf_counter() - started
        self._rendered = (shown, rendered)
        return rendered

    def _render_content(self) -> None:
        # Textual turns the figure into strips on every repaint, even for a border change
        # (focus) or a pane switch, and that cost a third of showing the Train pane: keep them.
        figure, view = self.render(), (self.size, self.visual_style)
        if self._strips is not None and self._strips[0] is figure and self._strips[1] == view:
            self._render_cache = self._strips[2]
            self._dirty_regions.clear()
            return
        super()._render_content()  # may build a newer figure: training appends as we go
        if self._rendered is not None:
            self._strips = (self._rendered[1], view, self._render_cache)

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
        others = [(curve, thin_indices(len(curve.losses), 2 * width)) for curve in self._extra]
        floor = self._floor
        longest = max([count, *(len(curve.losses) for curve in self._extra)])
        last_epoch = max(longest - 1, 1)
        if self._target_epochs <= _FIXED_AXIS_MAX_EPOCHS:
            last_epoch = max(last_epoch, self._target_epochs)
        plt.xlim(0, last_epoch)
        ticks = sorted({float(round(last_epoch * i / 4)) for i in range(5)})
        plt.xticks(ticks, [f"{int(tick):,}" for tick in ticks])

        every_y = [*ys, *(curve.losses[i] for curve, shown in others for i in shown)]
        finite = [y for y in every_y if math.isfinite(y)]
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
        labels = []
        for curve, shown in others:
            if shown:
                plt.plot(
                    shown,
                    [curve.losses[i] for i in shown],
                    color=self._rgb(curve.colour, curve.fallback),
                    marker="braille",
                    label=curve.label or None,
                )
                labels.append(curve.label)
        if xs:
            # Drawn last, so the run being trained stays on top where curves cross.
            plt.plot(
                xs,
                ys,
                color=self._rgb("primary", "blue"),
                marker="braille",
                label=self._label or None,
            )
            labels.append(self._label)
        self.drawn_labels = tuple(label for label in labels if label)
