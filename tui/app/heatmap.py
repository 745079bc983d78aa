"""A heatmap of a square matrix, drawn with the Line API.

Two layouts: `compact` draws colour only, one matrix row per line when the height allows
and otherwise two rows per line with half blocks (27 characters then fit in 58×15);
`labelled` gives every cell its bigram and value, like the notebook's figure.
Lines are cached as strips; a cursor move re-renders only the lines it touches, which
keeps a key press to a few milliseconds.

Widths are terminal cells (`rich.cells.cell_len`), not characters: 中 and 😀 take two, so
the columns stay aligned. A label that takes no cell (a combining mark such as U+0301)
would fuse with its neighbour, so the grid shows `PLACEHOLDER` instead and the read-out
names its code point (`readout_label`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .colour_scale import palette, text_colour_on, xterm

CURSOR_COLOUR = 201  # magenta: on no scale, so the cursor never hides in the data
# A marked cell (the Word pane's bigrams) shows a glyph, not a colour: it reads on every
# scale, and without colour. The hollow one is a cell the data never shows.
MARK_SEEN, MARK_UNSEEN = "●", "○"
COMPACT_LABELS = {"<S>": "<", "<E>": ">"}
COMPACT_CELL_MAX = 4  # wider colour cells read as blocks, not bars
PLACEHOLDER = "?"  # ASCII: its width is one cell in every terminal


def grid_label(label: str) -> str:
    """The label as the grid draws it: the placeholder for one that takes no cell. An empty
    label (the unigram's one row: no context) stays empty."""
    if label == "":
        return label
    return label if label.isprintable() and cell_len(label) > 0 else PLACEHOLDER


def readout_label(label: str) -> str:
    """The label as the read-out names it: <U+0301> when the grid shows a placeholder."""
    if grid_label(label) == label:
        return label
    return "<" + " ".join(f"U+{ord(char):04X}" for char in label) + ">"


def fit_cells(text: str, width: int, align: str = "center") -> str:
    """`text` padded or cropped to exactly `width` cells; padded as str.center/rjust/ljust would."""
    gap = width - cell_len(text)
    if gap < 0:
        return set_cell_size(text, width)
    target = len(text) + gap
    if align == "right":
        return text.rjust(target)
    return text.ljust(target) if align == "left" else text.center(target)


@dataclass(frozen=True)
class HeatmapData:
    labels: tuple[str, ...]  # of the columns, and of the rows unless row_labels says otherwise
    bins: list[list[int]]  # -1: nothing here (drawn as background)
    texts: list[list[str]]  # the value of each cell as the labelled layout prints it
    palette: str  # "dark", "light" or "diverging"
    row_labels: tuple[str, ...] | None = None  # for a matrix that is not square (the unigram)

    @property
    def rows(self) -> tuple[str, ...]:
        return self.labels if self.row_labels is None else self.row_labels


class Heatmap(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("up,k", "move(-1, 0)", "Up", show=False),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right,l", "move(0, 1)", "Right", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
    ]

    compact: reactive[bool] = reactive(True)

    class CursorMoved(Message):
        def __init__(self, heatmap: Heatmap, row: int, col: int) -> None:
            super().__init__()
            self.heatmap = heatmap
            self.row = row
            self.col = col

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data: HeatmapData | None = None
        # Start on '.a', the most common first letter, rather than the empty '..'.
        self.row = 0
        self.col = 1
        self._lines: dict[int, Strip] = {}
        self._cached_layout = (0, 0)  # rows per line and cell width the cached lines have
        # Told of a move at once, unlike CursorMoved: a read-out changes in the cursor's frame.
        self.cursor_listener: Callable[[], None] | None = None
        # Told when the grid's own size changes: whether the labelled grid fits depends on it,
        # and the pane's Resize can come before the grid's (a pane shown beside it in wide).
        self.resize_listener: Callable[[], None] | None = None
        self.marks: frozenset[tuple[int, int]] = frozenset()  # (row, col) cells to mark

    # Geometry ------------------------------------------------------------------------

    @property
    def _n(self) -> int:
        """How many columns."""
        return len(self.data.labels) if self.data else 0

    @property
    def _n_rows(self) -> int:
        return len(self.data.rows) if self.data else 0

    def _display_labels(self, rows: bool = False) -> list[str]:
        labels = (self.data.rows if rows else self.data.labels) if self.data else ()
        return [grid_label(COMPACT_LABELS.get(lab, lab) if self.compact else lab) for lab in labels]

    def _cell_width(self, compact: bool) -> int:
        if not self.data:
            return 2
        if compact:
            # Two cells a column, or up to four when the room allows (120×40 uses its width).
            room = self.size.width - self._label_width(True)
            return max(2, min(COMPACT_CELL_MAX, room // max(1, self._n)))
        widest_text = max((cell_len(t) for row in self.data.texts for t in row), default=1)
        widest_pair = max(cell_len(grid_label(lab)) for lab in self.data.rows) + max(
            cell_len(grid_label(lab)) for lab in self.data.labels
        )
        return max(widest_text, widest_pair) + 1

    def _label_width(self, compact: bool) -> int:
        labels = self.data.rows if self.data else ()
        shown = [grid_label(COMPACT_LABELS.get(lab, lab) if compact else lab) for lab in labels]
        widest = max((cell_len(lab) for lab in shown), default=1)
        return (2 * widest + 2) if compact and self._rows_per_line == 2 else widest + 1

    @property
    def _rows_per_line(self) -> int:
        """Compact layout: one matrix row per line if they all fit, else two (half blocks)."""
        return 1 if self.size.height >= self._n_rows + 1 else 2

    def grid_size(self, compact: bool) -> Size:
        """The size of the whole grid in either layout, header and labels included."""
        rows = self._n_rows
        rows_per_line = self._rows_per_line
        height = 1 + ((rows + rows_per_line - 1) // rows_per_line if compact else 2 * rows)
        return Size(self._label_width(compact) + self._n * self._cell_width(compact), height)

    @property
    def cell_width(self) -> int:
        return self._cell_width(self.compact)

    @property
    def label_width(self) -> int:
        return self._label_width(self.compact)

    def _cell_lines(self, row: int) -> tuple[int, int]:
        """First terminal line of a matrix row, and how many lines it spans."""
        return (1 + row // self._rows_per_line, 1) if self.compact else (1 + 2 * row, 2)

    def _update_virtual_size(self) -> None:
        self.virtual_size = self.grid_size(self.compact)

    # State ---------------------------------------------------------------------------

    def set_data(self, data: HeatmapData) -> None:
        self.data = data
        self.row = max(0, min(self.row, self._n_rows - 1))
        self.col = max(0, min(self.col, self._n - 1))
        self._lines.clear()
        self._update_virtual_size()
        self.refresh()

    def watch_compact(self) -> None:
        self._lines.clear()
        self._update_virtual_size()
        self.refresh()
        self.call_after_refresh(self._scroll_to_cursor)

    def on_resize(self) -> None:
        # Lines are drawn at full width and cropped, so only a change of layout stales them.
        layout = (self._rows_per_line, self.cell_width)
        if layout != self._cached_layout:
            self._cached_layout = layout
            self._lines.clear()
        self._update_virtual_size()
        if self.resize_listener is not None:
            self.resize_listener()

    def set_marks(self, marks: frozenset[tuple[int, int]]) -> None:
        """Mark these cells with a glyph (the full-row and labelled layouts draw it)."""
        if marks != self.marks:
            self.marks = marks
            self._lines.clear()
            self.refresh()

    def move_cursor(self, row: int, col: int) -> None:
        if not self.data:
            return
        row = max(0, min(self._n_rows - 1, row))
        col = max(0, min(self._n - 1, col))
        touched = {self._cell_lines(self.row), self._cell_lines(row), (0, 1)}
        self.row, self.col = row, col
        for first, count in touched:
            for y in range(first, first + count):
                self._lines.pop(y, None)
            self.refresh_lines(first, count)
        self.refresh(Region(0, 0, self.size.width, 1))  # the header, frozen at the top
        self._scroll_to_cursor()
        if self.cursor_listener is not None:
            self.cursor_listener()
        self.post_message(self.CursorMoved(self, row, col))

    def _scroll_to_cursor(self) -> None:
        first, count = self._cell_lines(self.row)
        x = self.label_width + self.col * self.cell_width
        region = Region(x, first, self.cell_width, count)
        # The header and the row labels are frozen over the grid: keep the cursor clear of them.
        spacing = Spacing(1, 0, 0, self.label_width)
        self.scroll_to_region(region, animate=False, spacing=spacing, force=True)
        if first <= 2:
            self.scroll_to(y=0, animate=False, force=True)

    def action_move(self, d_row: int, d_col: int) -> None:
        self.move_cursor(self.row + d_row, self.col + d_col)

    def action_jump(self, where: int) -> None:
        if where < 0:
            self.move_cursor(self._n_rows - 1, self._n - 1)
        else:
            self.move_cursor(0, 0)

    def on_click(self, event: events.Click) -> None:
        if event.x < self.label_width or event.y < 1:
            return  # a frozen label, not a cell
        x = event.x + self.scroll_offset.x - self.label_width
        y = event.y + self.scroll_offset.y - 1
        if not self.data or x < 0 or y < 0:
            return
        # In the compact layout a line holds two rows; a click picks the upper one.
        row = self._rows_per_line * y if self.compact else y // 2
        col = x // self.cell_width
        if row < self._n_rows and col < self._n:
            self.move_cursor(row, col)

    # Drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        # Frozen as spreadsheet headers are: line 0 (column labels) and the row labels.
        line_y = 0 if y == 0 else y + scroll_y
        strip = self._lines.get(line_y)
        if strip is None:
            strip = self._build_line(line_y)
            self._lines[line_y] = strip
        width = self.size.width
        if self.compact:
            # Colour only: a cut block is still the cell's colour, never a wrong number.
            if scroll_x == 0:
                return strip.crop_extend(0, width, self.rich_style)
            labels = strip.crop(0, self.label_width)
            cells = strip.crop(self.label_width + scroll_x, width + scroll_x)
            return Strip.join([labels, cells]).crop_extend(0, width, self.rich_style)
        return self._whole_cells(strip, y == 0, scroll_x, width)

    @property
    def _view_width(self) -> int:
        """The columns the grid shows: its width less a vertical scroll bar."""
        return self.scrollable_content_region.width

    def visible_columns(self, scroll_x: int | None = None) -> range:
        """The columns the labelled layout shows whole at this scroll: a cell cut by either
        edge is left blank, since its number cut short would read as another (2055 as 2)."""
        if scroll_x is None:
            scroll_x = int(self.scroll_offset.x)
        cell = self.cell_width
        room = self._view_width - self.label_width
        first = -(-scroll_x // cell)  # the first cell that starts at or after the left edge
        last = min(self._n, (scroll_x + room) // cell)  # one past the last that ends in view
        return range(first, max(first, last))

    def _whole_cells(self, strip: Strip, header: bool, scroll_x: int, width: int) -> Strip:
        """A labelled line with only whole cells; '›' (or '‹') on the header says that more
        columns lie to the right (left): scroll, or move the cursor there."""
        cell, label_width = self.cell_width, self.label_width
        shown = self.visible_columns(scroll_x)
        start = shown.start * cell
        end = shown.stop * cell if len(shown) else start
        lead = start - scroll_x  # blank cells of a cut cell on the left
        parts = [
            strip.crop(0, label_width),
            Strip.blank(lead, self.rich_style),
            strip.crop(label_width + start, label_width + end),
        ]
        line = Strip.join(parts).crop_extend(0, width, self.rich_style)
        if not header:
            return line
        more = Style(dim=True, bold=True)
        view = self._view_width
        if shown.stop < self._n and label_width + lead + (end - start) < view:
            marker = Strip([Segment("›", more)])
            line = Strip.join([line.crop(0, view - 1), marker, line.crop(view)])
        if shown.start > 0 and lead > 0:
            line = Strip.join(
                [line.crop(0, label_width), Strip([Segment("‹", more)]), line.crop(label_width + 1)]
            )
        return line

    def _build_line(self, line_y: int) -> Strip:
        if not self.data or line_y >= self.virtual_size.height:
            return Strip.blank(self.virtual_size.width, self.rich_style)
        if line_y == 0:
            return self._header()
        if self.compact and self._rows_per_line == 1:
            return self._full_row_line(line_y - 1)
        if self.compact:
            return self._compact_line(2 * (line_y - 1))
        row, second = divmod(line_y - 1, 2)
        return self._labelled_line(row, value_line=bool(second))

    def _label_style(self, highlighted: bool) -> Style:
        base = self.rich_style
        return base + Style(reverse=True, bold=True) if highlighted else base + Style(dim=False)

    def _header(self) -> Strip:
        labels = self._display_labels()
        segments = [Segment(" " * self.label_width, self.rich_style)]
        for col, label in enumerate(labels):
            text = fit_cells(label, self.cell_width)
            segments.append(Segment(text, self._label_style(col == self.col)))
        return Strip(segments)

    def _compact_line(self, upper: int) -> Strip:
        assert self.data is not None
        labels = self._display_labels(rows=True)
        lower = upper + 1
        has_lower = lower < self._n_rows
        widest = max(cell_len(lab) for lab in labels)
        segments = [
            Segment(
                fit_cells(labels[upper], widest, "right"), self._label_style(self.row == upper)
            ),
            Segment("/", self.rich_style + Style(dim=True)),
            Segment(
                fit_cells(labels[lower] if has_lower else "", widest, "left"),
                self._label_style(self.row == lower),
            ),
            Segment(" ", self.rich_style),
        ]
        colours = palette(self.data.palette)
        background = self.rich_style.bgcolor
        bins = self.data.bins

        def colour(row: int, col: int) -> Color | None:
            if row == self.row and col == self.col:
                return xterm(CURSOR_COLOUR)
            if row >= self._n_rows:
                return background
            b = bins[row][col]
            return background if b < 0 else xterm(colours[b])

        for col in range(self._n):
            style = Style(color=colour(upper, col), bgcolor=colour(lower, col))
            segments.append(Segment("▀" * self.cell_width, style))
        return Strip(segments)

    def _full_row_line(self, row: int) -> Strip:
        assert self.data is not None
        labels = self._display_labels(rows=True)
        colours = palette(self.data.palette)
        segments = [
            Segment(
                fit_cells(labels[row], self.label_width - 1, "right"),
                self._label_style(self.row == row),
            ),
            Segment(" ", self.rich_style),
        ]
        block = "█" * self.cell_width
        for col, b in enumerate(self.data.bins[row]):
            if (row, col) in self.marks:
                segments.append(self._marked_cell(b, cursor=row == self.row and col == self.col))
            elif row == self.row and col == self.col:
                segments.append(Segment(block, Style(color=xterm(CURSOR_COLOUR))))
            elif b < 0:
                segments.append(Segment(" " * len(block), self.rich_style))
            else:
                segments.append(Segment(block, Style(color=xterm(colours[b]))))
        return Strip(segments)

    def _marked_cell(self, b: int, cursor: bool) -> Segment:
        """The cell's colour with the mark on it: filled if the data has it, hollow if not."""
        assert self.data is not None
        glyph = fit_cells(MARK_UNSEEN if b < 0 else MARK_SEEN, self.cell_width)
        if cursor:
            return Segment(glyph, Style(color=xterm(231), bgcolor=xterm(CURSOR_COLOUR)))
        if b < 0:
            return Segment(glyph, self.rich_style + Style(bold=True))
        name = self.data.palette
        return Segment(glyph, Style(color=text_colour_on(name, b), bgcolor=xterm(palette(name)[b])))

    def _labelled_line(self, row: int, value_line: bool) -> Strip:
        assert self.data is not None
        labels = [grid_label(label) for label in self.data.labels]
        row_labels = [grid_label(label) for label in self.data.rows]
        width = self.cell_width
        name = self.data.palette
        colours = palette(name)
        label = row_labels[row] if not value_line else ""
        segments = [
            Segment(
                fit_cells(label, self.label_width - 1, "right") + " ",
                self._label_style(self.row == row),
            )
        ]
        for col in range(self._n):
            b = self.data.bins[row][col]
            text = self.data.texts[row][col] if value_line else row_labels[row] + labels[col]
            if b < 0:
                style = self.rich_style + Style(dim=True)
            else:
                style = Style(color=text_colour_on(name, b), bgcolor=xterm(colours[b]))
            if row == self.row and col == self.col:
                style = Style(color=xterm(231), bgcolor=xterm(CURSOR_COLOUR), bold=True)
            if (row, col) in self.marks:
                # The glyph goes before the bigram, where it fits; both lines underlined.
                marked = (MARK_UNSEEN if b < 0 else MARK_SEEN) + text
                if not value_line and cell_len(marked) <= width - 1:
                    text = marked
                style += Style(bold=True, underline=True)
            segments.append(Segment(fit_cells(text, width - 1) + " ", style))
        return Strip(segments)
