"""The contract between the app and its panes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.containers import Vertical
from textual.content import Content
from textual.reactive import Reactive, var
from textual.widget import Widget
from textual.widgets import Static

from bigram_tui.core.defaults import DEFAULT_ORDER
from bigram_tui.core.display import shown_text

from .messages import PaneMounted

LOADING_NOTE = (
    "Loading the model…\nimporting torch and counting bigrams; this pane fills in when ready."
)
STYLES = Path(__file__).parent / "styles"

# One ladder of k for every pane's + and − (Word, Evaluate): small k first, where the dev
# NLL moves most, then the lecture's fake counts 1 and beyond.
K_STEPS = (0.0, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)


def next_k(k: float, direction: int) -> float:
    """The step of K_STEPS after `k` (direction +1) or before it (−1). From a k between two
    steps (one applied from a sweep), − goes to the lower step and + to the higher."""
    position = max(i for i, step in enumerate(K_STEPS) if step <= k)
    if direction < 0 and K_STEPS[position] < k:
        position += 1
    return K_STEPS[max(0, min(len(K_STEPS) - 1, position + direction))]


def show(static: Static, content: str | Content) -> None:
    """Put `content` in `static` unless it is there already: Static.update lays the whole
    screen out again, and a pane that redraws on every sweep point repeats most lines."""
    shown = static.content
    if isinstance(shown, Content) and isinstance(content, Content):
        # Content's own == compares the text alone: a moved highlight would not count.
        same = shown.plain == content.plain and shown.spans == content.spans
    else:
        same = type(shown) is type(content) and shown == content
    if not same:
        static.update(content)


if TYPE_CHECKING:
    from bigram_tui.core.session import Session


class Pane(Vertical):
    """One of the app's tabs. It shows a loading note until `attach` hands it the model.

    The app owns the state every pane shares, the order and the smoothing k (reactives on
    BigramApp, bound to these two by data_bind); the nets are the session's, one per order
    (`session.run(order)`). A pane changes the shared state through `share`, never its own
    reactive alone, so that every pane follows.
    """

    TITLE: ClassVar[str] = ""
    # The pane's own stylesheet in styles/, read into DEFAULT_CSS: Textual reads CSS_PATH
    # only on an App or a Screen, and this way the pane brings its look wherever it is mounted.
    STYLESHEET: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.STYLESHEET and "STYLESHEET" in cls.__dict__:
            cls.DEFAULT_CSS = (STYLES / cls.STYLESHEET).read_text(encoding="utf-8")

    # The app's, through data_bind: the n of the n-gram, and the counts model's add-k.
    order: var[int] = var(DEFAULT_ORDER, init=False)
    k: var[float] = var(0.0, init=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._session: Session | None = None
        # The orders this pane has seen counted, so it asks the session for them on the UI
        # thread only when that cannot block (the session counts each order once for all).
        self._counted_orders = {2}  # Session.load counts the bigrams

    def share(self, name: str, value: object) -> None:
        """Set the app's `name` ("order" or "k"): every pane bound to it follows. In a host
        app without it (a test's), the pane's own."""
        owner = self.app if isinstance(getattr(type(self.app), name, None), Reactive) else self
        setattr(owner, name, value)

    def counted(self, order: int) -> bool:
        """Whether the session's counts of `order` are there (asking for them cannot block)."""
        return order in self._counted_orders

    def when_counted(self, order: int, then: Callable[[], None]) -> None:
        """Call `then` on the UI thread once the session has counted `order`: now if it has,
        else after a worker has counted it (a failure is one line, and `then` is not called)."""
        if self.counted(order):
            then()
            return

        def count() -> None:
            try:
                self.session.counts(order)
            except Exception as error:  # a data file gone or changed since loading: say so
                reason = f"cannot count order {order}: {shown_text(str(error))}"
                self.app.call_from_thread(self.notify, reason, severity="error", timeout=6)
                return
            self.app.call_from_thread(self._now_counted, order, then)

        self.run_worker(count, thread=True, group="ngram-counts", exit_on_error=False)

    def _now_counted(self, order: int, then: Callable[[], None]) -> None:
        self._counted_orders.add(order)
        then()

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
        """Show `order` in this pane alone (the app's `order` reaches it by data_bind)."""
        self.order = order

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
