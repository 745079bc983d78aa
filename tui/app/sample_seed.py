"""The one-line seed editor that the Sample tab's `s` opens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Input, Label, Static

from .messages import SeedFieldClosed
from .prob_bars import MUTED

SEED_PROMPT = "enter: reset to this seed · esc: keep the current one"


class SeedField(Horizontal):
    """The pane reads the seed from Input.Submitted; escape closes the field, changing nothing."""

    BINDINGS = [Binding("escape", "close", "Close the seed field", show=False)]

    def compose(self) -> ComposeResult:
        yield Label("seed", id="sample-seed-label")
        yield Input(id="sample-seed-input", compact=True, placeholder="0 … 2**64-1")
        yield Static(id="sample-seed-reason")

    def open(self, seed: int) -> None:
        field = self.query_one(Input)
        field.value = str(seed)
        self.say(Content.styled(SEED_PROMPT, MUTED))
        field.focus()

    def say(self, text: Content) -> None:
        self.query_one("#sample-seed-reason", Static).update(text)

    def action_close(self) -> None:
        self.post_message(SeedFieldClosed())
