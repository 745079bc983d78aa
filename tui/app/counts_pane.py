"""Pane 1: the count matrix as a heatmap, and what each cell means."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Static

from .colour_scale import Scale, palette, xterm
from .heatmap import Heatmap, HeatmapData, fit_cells, grid_label, readout_label
from .pane import Pane

if TYPE_CHECKING:
    import torch

VIEWS = {
    "counts": "counts N[i,j]",
    "probs": "P(next | current)",
    "log_probs": "log P(next | current)",
    "neural": "neural net exp(W)",
    "diff": "P counts − P neural",
}
NEURAL_VIEWS = ("neural", "diff")  # drawn from W, on the '.' layout only
CELL_INFO_LINES = 8  # the cursor read-out is padded to this height
LIVE_REFRESH_SECONDS = 0.5  # exp(W) follows training at a bounded rate


def format_cell(view: str, value: float) -> str:
    """At most five characters, so a labelled cell stays narrow."""
    if view == "counts":
        return str(int(value))
    if view == "probs":
        if value == 0:
            return "0"
        # A bigram seen once is not impossible: never let it read as .000.
        return f"{value:.3f}".lstrip("0") if value >= 0.0005 else "<.001"
    if view == "log_probs":
        return "-inf" if value == -math.inf else f"{value:.2f}"
    if view == "neural":
        return f"{value:.3g}" if value < 1e5 else f"{value:.0e}"
    return f"{value:+.2f}".replace("0.", ".")


class CountsPane(Pane):
    TITLE = "Counts"
    STYLESHEET = "counts.tcss"
    BINDINGS = [
        Binding("v", "cycle_view", "View", tooltip="show counts, P, log P, exp(W) or ΔP"),
        Binding("s", "toggle_layout", "<S>/<E>", tooltip="'.' layout or the <S>/<E> layout"),
        Binding("z", "zoom", "Zoom", tooltip="colour-only grid or labelled cells"),
        Binding("g", "toggle_legend", "Legend", tooltip="show or hide the colour scale"),
        Binding("t", "toggle_top", "Top bigrams", tooltip="show or hide the most common"),
    ]

    # What the grid shows; each change redraws (the watchers below).
    view: var[str] = var("counts", init=False)
    layout_name: var[str] = var("dot", init=False)
    labelled: var[bool] = var(False, init=False)  # numbers in the cells, or colour only
    show_legend: var[bool] = var(True, init=False)
    show_top: var[bool] = var(False, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.auto_zoom = True  # until the user zooms, the labelled grid is used when it fits
        self._trained_epoch = -1

    def compose(self) -> ComposeResult:
        yield Static(id="counts-title")
        with Horizontal(id="counts-body"):
            yield Heatmap(id="heatmap")
            with VerticalScroll(id="counts-side"):
                yield Static(id="cell-info")
                yield Static(id="legend")
                yield Static(id="top-bigrams", classes="hidden")

    def on_attach(self) -> None:
        self.query_one(Heatmap).cursor_listener = self._show_cell
        self.set_interval(LIVE_REFRESH_SECONDS, self._follow_training)
        # Light themes get the light scale: low counts near white, as in the notebook.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        self.redraw()
        self.call_after_refresh(self._auto_zoom)

    def default_focus(self) -> Widget:
        return self.query_one(Heatmap)

    def on_resize(self) -> None:
        self._auto_zoom()

    def _auto_zoom(self) -> None:
        """Use the labelled layout whenever it fits whole, until the user chooses."""
        heatmap = self.query_one(Heatmap)
        if not self.auto_zoom or heatmap.data is None:
            return
        labelled = heatmap.grid_size(compact=False)
        self.labelled = (
            labelled.width <= heatmap.size.width and labelled.height <= heatmap.size.height
        )

    # Values ----------------------------------------------------------------------

    def _labels_and_values(self) -> tuple[tuple[str, ...], torch.Tensor]:
        import torch

        session = self.session
        if self.view in ("counts", "probs", "log_probs"):
            table = session.counts.table(self.layout_name)
            counts = table.counts.double()
            if self.view == "counts":
                return table.labels, counts
            totals = counts.sum(dim=1, keepdim=True)
            probs = torch.where(totals > 0, counts / totals.clamp_min(1), 0.0)
            return table.labels, probs if self.view == "probs" else probs.log()
        labels = session.vocab.itos
        weights = session.run.weights
        if self.view == "neural":
            return labels, weights.exp()
        return labels, session.model("counts").probs - torch.softmax(weights, dim=1)

    def _scale(self, values: torch.Tensor) -> Scale:
        finite = values[values.isfinite()]
        if self.view in ("counts", "neural"):
            return Scale("log", 0.0, float(finite.max()))
        if self.view == "probs":
            return Scale("linear", 0.0, float(finite.max()))
        if self.view == "log_probs":
            return Scale("span", float(finite.min()), 0.0)
        return Scale("diverging", -1.0, float(finite.abs().max()))

    def _palette_name(self) -> str:
        if self.view == "diff":
            return "diverging"
        return "dark" if self.app.current_theme.dark else "light"

    def redraw(self) -> None:
        labels, values = self._labels_and_values()
        scale = self._scale(values)
        rows = values.tolist()
        data = HeatmapData(
            labels=labels,
            bins=[[scale.bin(v) for v in row] for row in rows],
            texts=[[format_cell(self.view, v) for v in row] for row in rows],
            palette=self._palette_name(),
        )
        self._values = rows
        # Plain lists for the cursor read-out: a key press then touches no tensor.
        table_counts = self.session.counts.table(self.layout_name).counts
        self._counts = table_counts.tolist()
        self._row_totals = table_counts.sum(dim=1).tolist()
        self.query_one(Heatmap).set_data(data)
        self._show_title()
        self._show_legend(scale)
        self._show_cell()
        self._show_top()

    def _follow_training(self) -> None:
        if self.view not in NEURAL_VIEWS:
            return
        if self.session.run.epoch != self._trained_epoch:
            self._trained_epoch = self.session.run.epoch
            self.redraw()

    # Side panel --------------------------------------------------------------------

    def _show_title(self) -> None:
        layout = "'.' start/end" if self.layout_name == "dot" else "<S> and <E>"
        title = Text.assemble(
            (VIEWS[self.view], "bold"),
            f"  ·  {len(self._values)}×{len(self._values)}, {layout}",
            f"  ·  {self.session.counts.total:,} bigrams",
        )
        if self.view in NEURAL_VIEWS:
            title.append(f"  ·  epoch {self.session.run.epoch}")
        self.query_one("#counts-title", Static).update(title)

    def _show_legend(self, scale: Scale) -> None:
        legend = Text("scale", style="bold")
        legend.append(" (log)" if scale.kind == "log" else "")
        legend.append("\n")
        colours = palette(self._palette_name())
        for i, edge in enumerate(scale.edges()):
            legend.append("  ", Style(bgcolor=xterm(colours[i])))
            legend.append(f" ≥ {edge:.4g}\n" if i else f" > {edge:.4g}\n")
        # Empty cells are left as background: the legend shows that as an outlined gap.
        legend.append("[]", Style(dim=True))
        legend.append(" never seen" if self.view in ("counts", "probs", "log_probs") else " —")
        self.query_one("#legend", Static).update(legend)

    def _show_cell(self) -> None:
        if not self.ready:
            return  # the cursor can move before the model is there; it is read out on attach
        heatmap = self.query_one(Heatmap)
        row, col = heatmap.row, heatmap.col
        assert heatmap.data is not None
        labels = heatmap.data.labels
        first, second = readout_label(labels[row]), readout_label(labels[col])
        text = Text.assemble(("bigram ", "bold"), (f"{first}{second}", "bold reverse"), "\n")
        text.append(f"'{second}' after '{first}'\n", style="dim")
        count = self._counts[row][col]
        row_total = self._row_totals[row]
        text.append(f"count   {count:,}\n")
        text.append(f"row sum {row_total:,}\n")
        if row_total:
            p = count / row_total
            text.append(f"P       {p:.6f}\n")
            text.append("log P   " + ("-inf" if p == 0 else f"{math.log(p):.4f}") + "\n")
            n_cols = len(labels)
            smoothed = (count + 1) / (row_total + n_cols)
            text.append(f"P k=1   {smoothed:.6f}\n")
        else:
            text.append("nothing follows this token\n", style="dim")
        if self.view in NEURAL_VIEWS:
            value = self._values[row][col]
            text.append(f"{'exp(W)' if self.view == 'neural' else 'ΔP':7} {value:.6g}\n")
        # The read-out keeps its height, so skip the relayout a size change would need.
        lines = CELL_INFO_LINES - text.plain.count("\n")
        text.append("\n" * max(0, lines))
        self.query_one("#cell-info", Static).update(text, layout=False)

    def _show_top(self) -> None:
        top = Text("most common\n", style="bold")
        for first, second, count in self.session.counts.most_common(20, self.layout_name):
            pair = fit_cells(grid_label(first) + grid_label(second), 6, "right")  # cells, not len
            top.append(f"{pair} {count:>6,}\n")
        self.query_one("#top-bigrams", Static).update(top)

    # Actions -----------------------------------------------------------------------

    def action_cycle_view(self) -> None:
        names = list(VIEWS)
        view = names[(names.index(self.view) + 1) % len(names)]
        if view in NEURAL_VIEWS and self.layout_name != "dot":
            # Without its watcher: the grid is redrawn once, for the new view.
            self.set_reactive(CountsPane.layout_name, "dot")
            self.notify("The neural views use the '.' layout.", timeout=3)
        self.view = view

    def action_toggle_layout(self) -> None:
        if self.view in NEURAL_VIEWS:
            self.notify("The <S>/<E> layout shows counts and probabilities only.", timeout=3)
            return
        self.layout_name = "start_end" if self.layout_name == "dot" else "dot"

    def action_zoom(self) -> None:
        self.auto_zoom = False
        self.labelled = not self.labelled

    def action_toggle_legend(self) -> None:
        self.show_legend = not self.show_legend

    def action_toggle_top(self) -> None:
        self.show_top = not self.show_top

    def watch_view(self) -> None:
        self._trained_epoch = self.session.run.epoch
        self.redraw()

    def watch_layout_name(self) -> None:
        self.redraw()
        self._auto_zoom()

    def watch_labelled(self, labelled: bool) -> None:
        self.query_one(Heatmap).compact = not labelled

    def watch_show_legend(self, shown: bool) -> None:
        self.query_one("#legend").set_class(not shown, "hidden")

    def watch_show_top(self, shown: bool) -> None:
        self.query_one("#top-bigrams").set_class(not shown, "hidden")
