"""The contract between the app and its panes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from .messages import PaneMounted

LOADING_NOTE = (
    "Loading the model…\nimporting torch and counting bigrams; this pane fills in when ready."
)
STYLES = Path(__file__).parent / "styles"

if TYPE_CHECKING:
    from bigram_tui.core.session import Session


class Pane(Vertical):
    """One of the app's tabs. It shows a loading note until `attach` hands it the model."""

    TITLE: ClassVar[str] = ""
    # The pane's own stylesheet in styles/, read into DEFAULT_CSS: Textual reads CSS_PATH
    # only on an App or a Screen, and this way the pane brings its look wherever it is mounted.
    STYLESHEET: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.STYLESHEET and "STYLESHEET" in cls.__dict__:
            cls.DEFAULT_CSS = (STYLES / cls.STYLESHEET).read_text(encoding="utf-8")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session: Session | None = None

    @property
    def ready(self) -> bool:
        """Whether the model is attached."""
        return self._session is not None

    @property
    def session(self) -> Session:
        """The model; the pane's keys are disabled until it is attached (check_action)."""
        assert self._session is not None, f"{type(self).__name__} used before attach()"
        return self._session

    def on_mount(self) -> None:
        if not self.ready:
            # A still note, not Textual's animated LoadingIndicator: the animation competes for
            # the GIL with torch's import and made the model ready a second later (bench).
            self.add_class("-loading")
            self.mount(Static(LOADING_NOTE, classes="loading-note"), before=0)
        self.post_message(PaneMounted(self))

    def attach(self, session: Session) -> None:
        """Called once, on the UI thread, when the model is ready."""
        self._session = session
        self.remove_class("-loading")
        self.query(".loading-note").remove()
        self.on_attach()
        # The pane's keys were dimmed until now; the footer must learn they work.
        self.refresh_bindings()

    def on_attach(self) -> None:
        """Fill the pane from `self.session`."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None: the footer shows the key dimmed, and the key does nothing.
        if not self.ready:
            return None
        return self.action_enabled(action)

    def action_enabled(self, action: str) -> bool | None:
        """Whether `action` may run in the pane's current state (the model is attached)."""
        return True

    def fit_to_size(self) -> None:
        """The panes shown changed and have been laid out: fit the content to the new size.

        Textual does not always send Resize here: on the first switch to a pane beside the
        grid (the wide layout) the grid narrowed and heard nothing.
        """

    def grid_word(self) -> str:
        """A word whose n-grams the grid marks while this pane is beside it ('' for none)."""
        return ""

    def use_order(self, order: int) -> None:
        """The app's n-gram order changed (key o, the palette, --order); follow it."""

    def use_smoothing(self, k: float) -> None:
        """The user chose the counts model's k elsewhere (Evaluate's best k); follow it."""

    def copy_text(self) -> tuple[str, str] | None:
        """What `y` copies from the pane: (what, named in the notice; the text), or None."""
        return None

    def default_focus(self) -> Widget:
        """The widget a user of this pane wants first (never a text field)."""
        return self

    def focus_default(self) -> None:
        # At once, not via Widget.focus() (which waits a turn): a key typed right after the
        # pane key must already reach this pane.
        self.screen.set_focus(self.default_focus())
