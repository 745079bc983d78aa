"""The contract between the app and its four panes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

LOADING_NOTE = (
    "Loading the model…\nimporting torch and counting bigrams; this pane fills in when ready."
)

if TYPE_CHECKING:
    from bigram_tui.core.session import Session


class Pane(Vertical):
    """One of the app's tabs. It shows a loading note until `attach` hands it the model."""

    TITLE = ""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.session: Session | None = None

    class Mounted(Message):
        """A pane is in the DOM (the app mounts all but the first after its first frame)."""

        def __init__(self, pane: Pane) -> None:
            super().__init__()
            self.pane = pane

    def on_mount(self) -> None:
        if self.session is None:
            # A still note, not Textual's animated LoadingIndicator: the animation competes for
            # the GIL with torch's import and made the model ready a second later (bench).
            self.add_class("-loading")
            self.mount(Static(LOADING_NOTE, classes="loading-note"), before=0)
        self.post_message(self.Mounted(self))

    def attach(self, session: Session) -> None:
        """Called once, on the UI thread, when the model is ready."""
        self.session = session
        self.remove_class("-loading")
        self.query(".loading-note").remove()
        self.on_attach()
        # Focus may have landed here while loading: the footer must learn the pane's keys.
        self.refresh_bindings()

    def on_attach(self) -> None:
        """Fill the pane from `self.session`."""

    def default_focus(self) -> Widget:
        """The widget a user of this pane wants first (never a text field)."""
        return self

    def focus_default(self) -> None:
        # At once, not via Widget.focus() (which waits a turn): a key typed right after the
        # pane key must already reach this pane.
        self.screen.set_focus(self.default_focus())
