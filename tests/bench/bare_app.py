"""The reference for "first frame": a bare Textual app, started and timed like bigram-tui.

It imports what every Textual app imports and paints one line and a footer, so the
difference from bigram-tui's first frame is what bigram-tui itself adds before painting.
"""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static


class BareApp(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("bare Textual app")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
