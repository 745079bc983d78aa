"""Pane 1: the count matrix as a heatmap, and what each cell means.

At order 2 the grid is the bigram matrix. At order n ≥ 3 it is one V×V slice of the n-gram
counts: rows are the last context token, columns the next token, for one prefix of the
earlier context tokens, which `[` and `]` step through. At order 1 it is one row.

Every probability shown is the model's own (`next_probs` of the grid's row contexts): the
counts model at k = 0 and k = 1, and the order's net (session.run(order)), the one the Train
pane trains. The pane counts nothing and normalises nothing itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol, cast

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Static

from bigram_tui.core.defaults import DEFAULT_ORDER
from bigram_tui.core.display import order_name, shown_text
from bigram_tui.core.session import BOUNDARY, END_TOKEN, START_TOKEN

from .colour_scale import Scale, palette, xterm
from .heatmap import MARK_SEEN, Heatmap, HeatmapData, fit_cells, grid_label, readout_label
from .pane import Pane
from .weights_note import weights_note
from .word_marks import marked_cells, word_ngrams

if TYPE_CHECKING:
    import torch

    from bigram_tui.core.session import NextTokenModel


class Net(Protocol):
    """A net as a model: its logits too, the W row(s) a context selects (exp(W) is drawn)."""

    def logits(self, context_ids: torch.Tensor) -> torch.Tensor: ...


VIEWS = {
    "counts": "counts N[i,j]",
    "probs": "P(next | current)",
    "log_probs": "log P(next | current)",
    "neural": "neural net exp(W)",
    "diff": "P counts − P neural",
}
NEURAL_VIEWS = ("neural", "diff")  # drawn from the order's net, on the '.' layout only
COUNT_VIEWS = ("counts", "probs", "log_probs")
# The cursor read-out is padded to this height; 7 leaves the whole legend in view at 80×24.
CELL_INFO_LINES = 7
LEGEND_LINES = 12  # "scale", ten bins, "never seen"
TOP_COUNT = 20  # n-grams in the most-common list
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
    if value == 0:
        return "0"
    shown = f"{value:+.2f}".replace("0.", ".")
    # A difference too small for two decimals keeps its sign, never reads as "-.00".
    return shown if shown[1:] != ".00" else f"{shown[0]}<.01"


def bin_labels(scale: Scale) -> list[str]:
    """What each legend swatch means. A diverging scale reads symmetrically, 0 in the middle:
    the lower half by its upper edge (< −x … < 0), the upper half by its lower edge (≥ 0 … ≥ +x)."""
    edges = scale.edges()
    if scale.kind != "diverging":
        return [f"≥ {edge:.4g}" if i else f"> {edge:.4g}" for i, edge in enumerate(edges)]
    half = len(edges) // 2
    shown = [*edges[1 : half + 1], *edges[half:]]
    signs = ["<"] * half + ["≥"] * (len(edges) - half)
    return [f"{sign} {edge:+.4g}" if edge else f"{sign} 0" for sign, edge in zip(signs, shown)]


class CountsPane(Pane):
    TITLE = "Counts"
    STYLESHEET = "counts.tcss"
    BINDINGS = [
        Binding("v", "cycle_view", "View", tooltip="show counts, P, log P, exp(W) or ΔP"),
        Binding("s", "toggle_layout", "<S>/<E>", tooltip="'.' layout or the <S>/<E> layout"),
        Binding("z", "zoom", "Labels", tooltip="colour-only grid or labelled cells"),
        Binding("g", "toggle_legend", "Legend", tooltip="show or hide the colour scale"),
        # One binding, so help and the palette list it once; the footer names it for the
        # order (binding_label): "Top bigrams" at n = 2.
        Binding("t", "toggle_top", "Top n-grams", tooltip="show or hide the most common n-grams"),
        # One footer entry for the pair: 80 columns hold the footer at n ≥ 3 with it.
        Binding(
            "left_square_bracket",
            "prefix(-1)",
            "Previous slice",
            tooltip="previous slice (n ≥ 3)",
            show=False,
        ),
        Binding("right_square_bracket", "prefix(1)", "Slice", tooltip="next slice (n ≥ 3)"),
    ]

    # What the grid shows; each change redraws (the watchers below).
    view: var[str] = var("counts", init=False)
    layout_name: var[str] = var("dot", init=False)
    labelled: var[bool] = var(False, init=False)  # numbers in the cells, or colour only
    show_legend: var[bool] = var(True, init=False)
    show_top: var[bool] = var(False, init=False)
    # At order n ≥ 3: the n−2 earlier context tokens that fix the slice the grid shows.
    prefix: var[tuple[str, ...]] = var((), init=False)
    # The Word pane's word while it is shown beside the grid (wide layout); '' marks nothing.
    marked_word: var[str] = var("", init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.auto_zoom = True  # until the user zooms, the labelled grid is used when it fits
        self._drawn_weights: object = None  # the net's W the neural views last drew
        self._prefix_lists: dict[int, list[tuple[str, ...]]] = {}  # `[`/`]` step through
        self._shown_order = DEFAULT_ORDER  # the order the grid holds (it lags while counting)

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
        self.query_one(Heatmap).resize_listener = self._auto_zoom_after_layout
        self.set_interval(LIVE_REFRESH_SECONDS, self._follow_training)
        # Light themes get the light scale: low counts near white, as in the notebook.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())
        self.redraw()
        self.call_after_refresh(self._auto_zoom)
        if self.order != self._shown_order:
            self.watch_order(self.order)

    def default_focus(self) -> Widget:
        return self.query_one(Heatmap)

    def on_resize(self) -> None:
        self.fit_to_size()

    def fit_to_size(self) -> None:
        self._auto_zoom()
        self._fit_side()
        if self.ready and self.show_top:
            self._show_top()

    def _legend_displaced(self) -> bool:
        """The top list takes the legend's place when the side panel cannot hold both."""
        both = CELL_INFO_LINES + 1 + LEGEND_LINES + 1 + TOP_COUNT + 1  # each with its margin
        return self.show_top and self.query_one("#counts-side").size.height < both

    def _top_rows(self) -> int:
        """As many of the most common as the side panel shows without scrolling (up to 20)."""
        # Below the read-out and its margin: the list's title, its rows, its margin.
        room = self.query_one("#counts-side").size.height - (CELL_INFO_LINES + 1) - 2
        return max(5, min(TOP_COUNT, room)) if room > 0 else TOP_COUNT

    def _fit_side(self) -> None:
        legend = self.show_legend and not self._legend_displaced()
        self.query_one("#legend").set_class(not legend, "hidden")
        self.query_one("#top-bigrams").set_class(not self.show_top, "hidden")

    def _auto_zoom_after_layout(self) -> None:
        self.call_after_refresh(self._auto_zoom)

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

    def _count_table(self) -> tuple[tuple[str, ...] | None, tuple[str, ...], torch.Tensor]:
        """Row labels (None: as the columns), column labels and the counts the grid shows."""
        import torch

        order = self._shown_order
        if order == 2:
            table = self.session.count_table(self.layout_name)
            return None, table.labels, table.counts
        if order == 1:
            counts = self.session.counts(1)  # counted already: _shown_order follows _counted
            row = torch.zeros(counts.size, dtype=torch.long)
            row[counts.nexts] = counts.counts
            return ("",), counts.vocab.itos, row.unsqueeze(0)
        piece = self.session.count_slice(self.prefix, order)
        return None, piece.labels, piece.counts

    def _row_contexts(self) -> torch.Tensor:
        """The context id of each of the grid's rows in the '.' layout, at the order shown."""
        import torch

        order, itos = self._shown_order, self.session.vocab.itos
        if order == 1:
            return torch.zeros(1, dtype=torch.long)
        counts = self.session.counts(order)
        return torch.tensor([counts.encode_tokens((*self.prefix, token)) for token in itos])

    def _rows_of(self, model: NextTokenModel) -> torch.Tensor:
        """The model's P(next | context) for each of the grid's rows, laid out as the grid."""
        if model.order <= 2:
            probs = self.session.probs_matrix(model)
        else:
            probs = model.next_probs(self._row_contexts())
        return self._laid_out(probs)

    def _laid_out(self, dot_rows: torch.Tensor) -> torch.Tensor:
        """Rows of the '.' layout placed as the grid's layout places them: in <S>/<E>, '.'
        starts a row as <S> and ends one as <E>; the <E> row and the <S> column stay 0."""
        import torch

        if self.layout_name == "dot" or self._shown_order != 2:
            return dot_rows
        itos = self.session.vocab.itos
        labels = self.session.count_table(self.layout_name).labels
        laid = torch.zeros(len(labels), len(labels), dtype=dot_rows.dtype)
        for i, first in enumerate(labels):
            if first == END_TOKEN:
                continue  # nothing follows the end
            row = dot_rows[itos.index(BOUNDARY if first == START_TOKEN else first)]
            for j, second in enumerate(labels):
                if second != START_TOKEN:  # nothing precedes the start
                    laid[i, j] = row[itos.index(BOUNDARY if second == END_TOKEN else second)]
        return laid

    def _net(self) -> NextTokenModel:
        """The order's net as it stands: the one the Train pane trains."""
        return self.session.model("neural", order=self._shown_order)

    def _labels_and_values(self) -> tuple[tuple[str, ...] | None, tuple[str, ...], torch.Tensor]:
        row_labels, labels, table = self._count_table()
        if self.view == "counts":
            return row_labels, labels, table.double()
        if self.view in COUNT_VIEWS:
            return row_labels, labels, self._probs if self.view == "probs" else self._probs.log()
        net = self._net()
        if self.view == "neural":
            return row_labels, labels, cast(Net, net).logits(self._row_contexts()).exp()
        return row_labels, labels, self._probs - self._rows_of(net)

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
        if self.app.no_color:
            return "mono"  # one lightness ramp; the legend still names each step
        if self.view == "diff":
            return "diverging"
        return "dark" if self.app.current_theme.dark else "light"

    def redraw(self) -> None:
        session, order = self.session, self._shown_order
        # The counts model's rows at k = 0 and k = 1, for the views and the cursor read-out.
        self._probs = self._rows_of(session.model("counts", 0.0, order))
        self._smoothed = self._rows_of(session.model("smoothed", order=order)).tolist()
        row_labels, labels, values = self._labels_and_values()
        scale = self._scale(values)
        rows = values.tolist()
        data = HeatmapData(
            labels=labels,
            bins=[[scale.bin(v) for v in row] for row in rows],
            texts=[[format_cell(self.view, v) for v in row] for row in rows],
            palette=self._palette_name(),
            row_labels=row_labels,
        )
        self._values = rows
        if self.view in NEURAL_VIEWS:
            self._drawn_weights = session.run(order).weights
            self._net_probs = self._rows_of(self._net()).tolist()
        # Plain lists for the cursor read-out: a key press then touches no tensor.
        self._probs_list = self._probs.tolist()
        table_counts = self._count_table()[2]
        self._counts = table_counts.tolist()
        self._row_totals = table_counts.sum(dim=1).tolist()
        self.query_one(Heatmap).set_data(data)
        self._show_marks()
        self._show_title()
        self._show_legend(scale)
        self._show_cell()
        self._show_top()

    def _follow_training(self) -> None:
        if self.view not in NEURAL_VIEWS or self.order != self._shown_order:
            return
        # W is replaced by every epoch and reset, never changed in place.
        if self.session.run(self._shown_order).weights is not self._drawn_weights:
            self.redraw()

    # Side panel --------------------------------------------------------------------

    def _show_title(self) -> None:
        if self.order != self._shown_order:
            note = f"counting order {self.order}…"
            self.query_one("#counts-title", Static).update(Text(note, style="bold"))
            return
        if self._shown_order != 2:
            self.query_one("#counts-title", Static).update(self._ngram_title())
            return
        layout = "'.' start/end" if self.layout_name == "dot" else "<S> and <E>"
        title = Text.assemble(
            (VIEWS[self.view], "bold"),
            f"  ·  {len(self._values)}×{len(self._values)}, {layout}",
            f"  ·  {self.session.counts(2).total:,} bigrams",
        )
        if self.view in NEURAL_VIEWS:
            title.append(f"  ·  {weights_note(self.session.run(2).epoch)}")
        title.append(self._marks_note())
        self.query_one("#counts-title", Static).update(title)

    def _marks_note(self) -> str:
        if not self.marked_word:
            return ""
        note = f"  ·  {MARK_SEEN} {shown_text(self.marked_word)}"
        if self._shown_order < 3:
            return note
        # A slice holds only the n-grams that begin with its prefix: say how many are here.
        marked = len(self.query_one(Heatmap).marks)
        total = len(word_ngrams(self.marked_word, self._shown_order))
        return f"{note}: {marked} of {total} in this slice"

    def mark_word(self, word: str) -> None:
        """Mark the cells of `word`'s n-grams ('' for none): the Word pane is beside the grid."""
        self.marked_word = word

    def watch_marked_word(self) -> None:
        if self.ready:
            self._show_marks()
            self._show_title()

    def _show_marks(self) -> None:
        heatmap = self.query_one(Heatmap)
        if heatmap.data is None or not self.marked_word:
            heatmap.set_marks(frozenset())
            return
        rows, columns = heatmap.data.rows, heatmap.data.labels
        heatmap.set_marks(
            marked_cells(self.marked_word, self._shown_order, self.prefix, rows, columns)
        )

    def _ngram_title(self) -> Text:
        order = self._shown_order
        counts = self.session.counts(order)
        title = Text(VIEWS[self.view], style="bold")
        if order == 1:
            title.append(f"  ·  one row: no context, {counts.size} tokens")
        else:
            earlier = "".join(readout_label(token) for token in self.prefix)
            # The header names the slice in words: the fixed earlier tokens, then the row's
            # token, then the column's (the next one); `[` and `]` step through the slices.
            title.append("  ·  ")
            title.append(f"'{earlier}' then row → column", style="bold")
            title.append(f": {self._contexts:,} contexts")
        title.append(f"  ·  {counts.total:,} {order_name(order)}s")
        if self.view in NEURAL_VIEWS:
            title.append(f"  ·  {weights_note(self.session.run(order).epoch)}")
        title.append(self._marks_note())
        return title

    def _show_legend(self, scale: Scale) -> None:
        legend = Text("scale", style="bold")
        legend.append(" (log)" if scale.kind == "log" else "")
        legend.append("\n")
        colours = palette(self._palette_name())
        for i, label in enumerate(bin_labels(scale)):
            legend.append("  ", Style(bgcolor=xterm(colours[i])))
            legend.append(f" {label}\n")
        # Empty cells are left as background: said in words, since a swatch of nothing reads
        # as nothing (and "[]" read as a missing glyph).
        legend.append("blank: never seen" if self.view in COUNT_VIEWS else "blank: no value")
        self.query_one("#legend", Static).update(legend)

    def _show_cell(self) -> None:
        if not self.ready:
            return  # the cursor can move before the model is there; it is read out on attach
        heatmap = self.query_one(Heatmap)
        row, col = heatmap.row, heatmap.col
        assert heatmap.data is not None
        labels = heatmap.data.labels
        context, second = self._cell_context(row), readout_label(labels[col])
        name = order_name(self._shown_order)
        text = Text.assemble((f"{name} ", "bold"), (context + second, "bold reverse"), "\n")
        after = f"'{second}' after '{context}'" if context else f"'{second}', no context"
        text.append(after + "\n", style="dim")
        count = self._counts[row][col]
        row_total = self._row_totals[row]
        text.append(f"count   {count:,}\n")
        if self.view in NEURAL_VIEWS:
            self._net_cell(text, row, col)
        else:
            self._counts_cell(text, context, row, col, row_total)
        # The read-out keeps its height, so skip the relayout a size change would need.
        text.rstrip()  # no blank line at the end: CELL_INFO_LINES is the height on screen
        text.append("\n" * max(0, CELL_INFO_LINES - 1 - text.plain.count("\n")))
        self.query_one("#cell-info", Static).update(text, layout=False)

    def _net_cell(self, text: Text, row: int, col: int) -> None:
        """The model being viewed, the net, first; the counts model's P beside it."""
        p = self._net_probs[row][col]
        text.append(f"P net   {p:.6f}\n", style="bold")
        text.append("log P   " + ("-inf" if p == 0 else f"{math.log(p):.4f}") + "\n")
        counts_p = f"{self._probs_list[row][col]:.6f}" if self._row_totals[row] else "—"
        text.append(f"P count {counts_p}\n", style="dim")
        value = self._values[row][col]
        text.append(f"{'exp(W)' if self.view == 'neural' else 'ΔP':7} {value:.6g}\n")

    def _counts_cell(self, text: Text, context: str, row: int, col: int, row_total: int) -> None:
        text.append(f"{'row sum' if context else 'total':7} {row_total:,}\n")
        if row_total:
            p = self._probs_list[row][col]
            text.append(f"P       {p:.6f}\n")
            text.append("log P   " + ("-inf" if p == 0 else f"{math.log(p):.4f}") + "\n")
            text.append(f"P k=1   {self._smoothed[row][col]:.6f}\n")
        else:
            text.append("unseen context\n" if context else "", style="dim")

    def _cell_context(self, row: int) -> str:
        """The context of the grid's row `row`, as the read-out names it ('' at order 1)."""
        assert self.query_one(Heatmap).data is not None
        if self._shown_order == 1:
            return ""
        last = self.query_one(Heatmap).data.rows[row]  # type: ignore[union-attr]
        return "".join(readout_label(token) for token in (*self.prefix, last))

    def _show_top(self) -> None:
        top = Text("most common\n", style="bold")
        if self._shown_order == 2:
            for first, second, count in self.session.most_common_bigrams(
                self._top_rows(), self.layout_name
            ):
                pair = fit_cells(grid_label(first) + grid_label(second), 6, "right")  # cells
                top.append(f"{pair} {count:>6,}\n")
        else:
            for tokens, count in self.session.most_common(self._top_rows(), self._shown_order):
                ngram = fit_cells("".join(map(grid_label, tokens)), 6, "right")
                top.append(f"{ngram} {count:>6,}\n")
        top.rstrip()
        self.query_one("#top-bigrams", Static).update(top)

    # The order --------------------------------------------------------------------

    def watch_order(self, order: int) -> None:
        if not self.ready or order == self._shown_order:
            return  # attach draws the order it finds
        if not self.counted(order):
            self._show_title()  # "counting order n…" until the worker is done
        self.when_counted(order, lambda: self._counted(order))

    def _counted(self, order: int) -> None:
        if order != self.order:
            return  # the user moved on while this order was counted
        self._shown_order = order
        if order != 2:
            self.set_reactive(CountsPane.layout_name, "dot")  # <S>/<E> is the bigram's
        prefix = (".",) * (order - 2)  # the start of every word: always observed
        self.set_reactive(CountsPane.prefix, prefix)
        self.redraw()
        self._auto_zoom()
        self.refresh_bindings()  # the slice keys show at n ≥ 3 only

    @property
    def _contexts(self) -> int:
        return sum(1 for total in self._row_totals if total)

    def action_prefix(self, step: int) -> None:
        import bisect

        prefixes = self._prefixes()

        at = bisect.bisect_left(prefixes, self.prefix)
        if at < len(prefixes) and prefixes[at] == self.prefix:
            at += step
        elif step < 0:
            at -= 1
        self.prefix = prefixes[at % len(prefixes)]

    def _prefixes(self) -> list[tuple[str, ...]]:
        """The observed context prefixes (all but the last context token), sorted."""
        import torch

        order = self._shown_order
        if order not in self._prefix_lists:
            counts = self.session.counts(order)
            ids = torch.unique_consecutive(counts.contexts // counts.size).tolist()
            self._prefix_lists[order] = [counts.decode_tokens(i, order - 2) for i in ids]
        return self._prefix_lists[order]

    def watch_prefix(self) -> None:
        self.redraw()

    def action_enabled(self, action: str) -> bool | None:
        if action == "prefix":
            # Hidden at orders 1 and 2 (False): there is one table, nothing to step through.
            return self._shown_order >= 3
        if action == "toggle_layout":
            return self._shown_order == 2  # <S>/<E> is the bigram's layout
        return True

    def binding_label(self, action: str) -> str | None:
        """The footer's name for a key when it depends on the order (KeyFooter asks)."""
        if action == "toggle_top" and self._shown_order == 2:
            return "Top bigrams"
        return None

    # Copy -------------------------------------------------------------------------

    def copy_text(self) -> tuple[str, str] | None:
        if not self.ready or self.query_one(Heatmap).data is None:
            return None
        heatmap = self.query_one(Heatmap)
        row, col = heatmap.row, heatmap.col
        assert heatmap.data is not None
        ngram = self._cell_context(row) + readout_label(heatmap.data.labels[col])
        count, total = self._counts[row][col], self._row_totals[row]
        p = f"{self._probs_list[row][col]:.6f}" if total else "no distribution"
        name = order_name(self._shown_order)
        text = f"{name}\tcount\tP\n{ngram}\t{count}\t{p}\n"
        return f"the cell {ngram}", text

    # Actions -----------------------------------------------------------------------

    def action_cycle_view(self) -> None:
        names = list(VIEWS)  # the net's views too, at every order
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
        layout = "start_end" if self.layout_name == "dot" else "dot"
        self._keep_cursor_bigram(layout)
        self.layout_name = layout

    def _keep_cursor_bigram(self, layout: str) -> None:
        """Put the cursor on the same bigram in `layout`: '.a' is '<S>a', 'n.' is 'n<E>'."""
        heatmap = self.query_one(Heatmap)
        if heatmap.data is None:
            return
        first, second = heatmap.data.rows[heatmap.row], heatmap.data.labels[heatmap.col]
        if layout == "start_end":
            first = START_TOKEN if first == BOUNDARY else first
            second = END_TOKEN if second == BOUNDARY else second
        else:
            first = BOUNDARY if first in (START_TOKEN, END_TOKEN) else first
            second = BOUNDARY if second in (START_TOKEN, END_TOKEN) else second
        labels = self.session.count_table(layout).labels
        heatmap.row, heatmap.col = labels.index(first), labels.index(second)

    def action_zoom(self) -> None:
        self.auto_zoom = False
        self.labelled = not self.labelled

    def action_toggle_legend(self) -> None:
        if self._legend_displaced():
            self.show_top = False  # g asks for the legend: the list gives way
            self.show_legend = True
            return
        self.show_legend = not self.show_legend

    def action_toggle_top(self) -> None:
        self.show_top = not self.show_top

    def watch_view(self) -> None:
        self.redraw()

    def watch_layout_name(self) -> None:
        self.redraw()
        self._auto_zoom()

    def watch_labelled(self, labelled: bool) -> None:
        self.query_one(Heatmap).compact = not labelled

    def watch_show_legend(self) -> None:
        self._fit_side()

    def watch_show_top(self) -> None:
        self._fit_side()
        self._show_top()  # its length follows the room
