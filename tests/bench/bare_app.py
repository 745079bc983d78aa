"""The bench's reference Textual app: tabs, a Static and a Footer, answering bigram-tui's keys.

Started and timed like bigram-tui, it gives two references:
  first frame  it imports what every Textual app imports and paints, so the difference from
               bigram-tui's first frame is what bigram-tui itself adds before painting;
  key → screen 1–4 switch tabs and h/l move a cursor, and the Static shows the same marker
               text bigram-tui shows for them, so the bench drives both with one key cycle.

`python bare_app.py [LABELS]`: LABELS is the grid's column labels, '.' first (default ".a…z").
"""

import string
import sys

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static, Tab, Tabs

PANES = ("counts", "word", "train", "sample")
# What bigram-tui shows on each pane that the bench looks for (tests/bench/app_figures.py).
MARKERS = {
    "counts": "counts N[i,j]",
    "word": "word",
    "train": "epoch 0/1  loss –  0 epochs/s",
    "sample": "sampler classic",
}


class BareApp(App[None]):
    BINDINGS = [
        *(Binding(str(i), f"show('{name}')", name.title()) for i, name in enumerate(PANES, 1)),
        Binding("h", "move(-1)", "Left"),
        Binding("l", "move(1)", "Right"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, labels: str) -> None:
        super().__init__()
        self.labels = labels
        self.pane = "counts"
        self.column = 1

    def compose(self) -> ComposeResult:
        yield Tabs(*(Tab(f"{i} {name.title()}", id=name) for i, name in enumerate(PANES, 1)))
        yield Static(id="body")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False  # as in bigram-tui: keys go to the app
        self._show()

    def action_show(self, name: str) -> None:
        self.pane = name
        self.query_one(Tabs).active = name
        self._show()

    def action_move(self, step: int) -> None:
        if self.pane == "counts":
            self.column = min(max(self.column + step, 0), len(self.labels) - 1)
            self._show()

    def _show(self) -> None:
        text = MARKERS[self.pane]
        if self.pane == "counts":
            text += f"\n'{self.labels[self.column]}' after '{self.labels[0]}'"
        self.query_one("#body", Static).update(text)


if __name__ == "__main__":
    BareApp(sys.argv[1] if len(sys.argv) > 1 else "." + string.ascii_lowercase).run()
