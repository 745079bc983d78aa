"""The training loss per epoch, with the counts model's NLL drawn as the floor it approaches,
and other curves over it: the dev loss, and a pinned run to compare with; and under it, the
gap to that floor (loss − counts NLL) on a log y axis, where the end of training still moves.

The epoch axis follows the data in one of three views (`x` in the Train pane switches): a log
axis, where the drop of the first 20 epochs fills half the width; the last LAST_EPOCHS epochs;
or every epoch up to the epochs field, the lecture's linear plot.

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
LAST_EPOCHS = 100  # the epochs the "last" view shows
LOG_X, LAST_X, ALL_X = "log", "last", "all"
X_VIEWS = (LOG_X, LAST_X, ALL_X)  # the order `x` cycles through; the first is the default
X_VIEW_NAMES = {
    LOG_X: "log epoch axis",
    LAST_X: f"the last {LAST_EPOCHS} epochs",
    ALL_X: "every epoch, linear",
}
# The gap under this is drawn at it: a log axis has no 0, and the table net's gap reaches
# 1e-7 and less (float32's resolution of a loss near 2.45).
SMALLEST_GAP = 1e-6


@dataclass(frozen=True)
class EpochAxis:
    """Where epochs go on the x axis: the view's first and last epoch shown, and the scale."""

    view: str
    first: int
    last: int

    def position(self, epoch: float) -> float:
        """The x coordinate of `epoch`: log10(epoch + 1) on the log axis (epoch 0 at 0)."""
        return math.log10(epoch + 1) if self.view == LOG_X else float(epoch)

    @property
    def limits(self) -> tuple[float, float]:
        return self.position(self.first), self.position(self.last)

    def shown(self, count: int, points: int) -> list[int]:
        """The epochs of a series of `count` to plot: those in view, thinned to about `points`
        per axis (on the log axis, evenly spaced in log epoch, so epoch 0–20 keep their detail)."""
        first, last = self.first, min(self.last, count - 1)
        if last < first:
            return []
        if self.view != LOG_X:
            return [first + i for i in thin_indices(last - first + 1, points)]
        top = math.log10(last + 1)
        epochs = {round(10 ** (top * i / points) - 1) for i in range(points + 1)}
        return sorted({min(max(e, 0), last) for e in epochs} | {last})

    def ticks(self, columns: int = 80) -> tuple[list[float], list[str]]:
        """Five ticks on a linear axis; on the log axis 1, 2, 5, 10, 20, 50, … as many as
        stand `columns` / 8 apart, with epoch 0 and the last epoch at the ends."""
        if self.view != LOG_X:
            span = self.last - self.first
            epochs = sorted({self.first + round(span * i / 4) for i in range(5)})
            return [self.position(e) for e in epochs], [f"{e:,}" for e in epochs]
        low, high = self.limits
        room = (high - low) * 8 / max(columns, 8)  # the axis span of 8 columns
        epochs, placed = [0], low
        candidates = [m * 10**p for p in range(8) for m in (1, 2, 5)]
        for epoch in candidates:
            at = self.position(epoch)
            if at - placed >= room and high - at >= room:
                epochs.append(epoch)
                placed = at
        epochs.append(self.last)
        return [self.position(e) for e in epochs], [f"{e:,}" for e in epochs]


def epoch_axis(view: str, longest: int, target_epochs: int) -> EpochAxis:
    """The x axis of `view` for series of up to `longest` epochs, training to `target_epochs`."""
    last_epoch = max(longest - 1, 1)
    if view == LAST_X:
        return EpochAxis(view, max(0, last_epoch - LAST_EPOCHS), max(last_epoch, LAST_EPOCHS))
    if view == ALL_X and target_epochs <= _FIXED_AXIS_MAX_EPOCHS:
        last_epoch = max(last_epoch, target_epochs)
    # The log axis follows the data: the run so far fills it, however many epochs it will run.
    return EpochAxis(view, 0, last_epoch)


def gaps(losses: Sequence[float], floor: float) -> list[float]:
    """loss − floor per epoch, never under SMALLEST_GAP (a log axis has no 0)."""
    return [max(loss - floor, SMALLEST_GAP) if math.isfinite(loss) else loss for loss in losses]


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


class EpochPlot(PlotextPlot):
    """A plot of series by epoch that re-renders only when `show` hands it something new."""

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
        self.x_view = X_VIEWS[0]
        self.drawn_gaps: list[float] = []  # GapPlot's: the gaps of the last figure
        self.drawn_axis: EpochAxis | None = None  # the x axis of the last figure

    def show(
        self,
        losses: Sequence[float],
        floor: float | None,
        target_epochs: int,
        *,
        label: str = "",
        extra: Sequence[Curve] = (),
        x_view: str | None = None,
    ) -> None:
        """Plot `losses` (index = epoch) against the `floor` line, over the `extra` curves;
        re-renders once. With labels, the figure has a legend."""
        self._losses = losses
        self._label = label
        self._extra = tuple(extra)
        self._floor = floor
        self._target_epochs = target_epochs
        if x_view is not None:
            self.x_view = x_view
        # Hidden, keep the last figure: a pane switch paints it at once, the new one a frame later.
        # On screen again (a layout change may bring it back without a Show), it is not.
        self._stale = not self.is_on_screen
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
            self.x_view,
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
        raise NotImplementedError

    def axis(self) -> EpochAxis:
        """The x axis the series are drawn on, and sets it on the figure."""
        longest = max([len(self._losses), *(len(curve.losses) for curve in self._extra)])
        axis = epoch_axis(self.x_view, longest, self._target_epochs)
        self.plt.xlim(*axis.limits)
        self.plt.xticks(*axis.ticks(self.size.width))
        self.drawn_axis = axis
        return axis


class LossPlot(EpochPlot):
    """A focusable plot of per-epoch loss: focus here means the pane's keys are live."""

    can_focus = True

    def _build_figure(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_color()
        width = max(self.size.width, 10)
        plt.title("loss (mean NLL) by epoch")
        losses = self._losses
        axis = self.axis()
        # Thin to about one point per braille dot column; the curve keeps its shape.
        indices = axis.shown(len(losses), 2 * width)
        xs = [axis.position(i) for i in indices]
        ys = [losses[i] for i in indices]
        others = [(curve, axis.shown(len(curve.losses), 2 * width)) for curve in self._extra]
        floor = self._floor

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
                list(axis.limits),
                [floor, floor],
                color=self._rgb("success", "green"),
                marker="braille",
            )
            label = f"counts model NLL {floor:.6f}: the floor training approaches"
            if len(label) > width - 10:
                label = f"floor: counts model NLL {floor:.6f}"
            plt.text(
                label,
                x=axis.limits[0],
                y=floor - 0.09 * span,
                color=self._rgb("success", "green"),
                alignment="left",
            )
        labels = []
        for curve, shown in others:
            if shown:
                plt.plot(
                    [axis.position(i) for i in shown],
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


class GapPlot(EpochPlot):
    """The main curve's gap to the floor, loss − counts NLL, on a log y axis: on the loss
    plot the curve lies on the floor line from epoch ~75, here it keeps falling."""

    def _build_figure(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_color()
        width = max(self.size.width, 10)
        wide = width >= 60  # plotext leaves out a title longer than the plot
        plt.title(
            "gap to the floor: loss − counts NLL (log scale)" if wide else "loss − floor (log)"
        )
        axis = self.axis()
        floor = self._floor
        if floor is None:
            return
        gap = gaps(self._losses, floor)
        shown = [i for i in axis.shown(len(gap), 2 * width) if math.isfinite(gap[i])]
        self.drawn_gaps = [gap[i] for i in shown]
        if not shown:
            plt.ylim(-3, 0)
            plt.yticks([-3, -2, -1, 0], ["0.001", "0.01", "0.1", "1"])
            return
        logs = [math.log10(gap[i]) for i in shown]
        low, high = math.floor(min(logs)), math.ceil(max(logs))
        high = max(high, low + 1)
        plt.ylim(low, high)
        powers = list(range(low, high + 1))
        # Five ticks at most (a deep run spans 1 to 1e-6), and no more than the plot has rows:
        # given more labels than rows, plotext's choice of which to draw varies from run to run.
        rows = max(2, self.size.height - 4)  # less the title, the frame and the x labels
        stride = max(1, math.ceil(len(powers) / min(5, rows)))
        powers = powers[::-1][::stride][::-1]
        plt.yticks([float(p) for p in powers], [f"{10.0**p:g}" for p in powers])
        plt.plot(
            [axis.position(i) for i in shown],
            logs,
            color=self._rgb("primary", "blue"),
            marker="braille",
        )
