"""The Textual app: the panes of the registry over one model, loaded in the background."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from rich.text import Text
from textual import events, on, work
from textual._files import generate_datetime_filename
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.lazy import Lazy
from textual.reactive import var
from textual.screen import Screen
from textual.widget import MountError
from textual.widgets import Input, Static, Tab, Tabs

from bigram_tui.core.defaults import DEFAULT_ORDER, DEFAULT_SEED
from bigram_tui.core.display import order_name, shown_path, shown_text
from bigram_tui.core.params import MAX_ORDER, MIN_ORDER
from bigram_tui.core.session import Session, dataset_label

from .background import run_workers_in_background
from .counts_pane import CountsPane
from .driver import terminal_driver
from .footer import KeyFooter
from .key_queue import KeyQueue
from .messages import (
    LoadFailed,
    LoadProgress,
    PaneMounted,
    SessionReady,
    SmoothingChosen,
    WordChanged,
)
from .notices import CoalescingNotices
from .pane import Pane
from .registry import FIRST_PANE, PANES
from .screens import DataProblemScreen, HelpScreen, SafeCommandPalette
from .terminal import exit_guard, refuse_without_terminal
from .train_pane import TrainPane

# Keys a text field types instead: while one has focus the footer must not offer them.
TYPED_IN_A_FIELD = frozenset({"next_order", "help", "quit", "copy"})
EXIT_CRASHED = 1  # the CLI's internal error
DEBUG_ENV_VAR = "BIGRAM_TUI_DEBUG"  # as the CLI's: show the traceback
MIN_SIZE = (60, 16)  # below this, a message instead of a squashed layout
WIDE_SIZE = (160, 45)  # from here, the counts grid stays beside the other panes
# The tab bar's width: each tab is its key and title with a margin either side.
TABS_WIDTH = sum(len(f"{pane.key} {pane.title}") + 2 for pane in PANES)


class BigramApp(CoalescingNotices[None]):
    TITLE = "bigram-tui"
    CSS_PATH = [
        "styles/app.tcss",
        "styles/footer.tcss",
    ]  # each pane brings its own (Pane.STYLESHEET)
    BINDINGS = [
        *(Binding(p.key, f"show_pane('{p.name}')", p.title, show=False) for p in PANES),
        Binding("o", "next_order", "Order", tooltip="the n of the n-gram: 1 → 2 → … → 6 → 1"),
        # Not in the footer (80 columns are full); in help and the palette.
        Binding("y", "copy", "Copy", show=False, tooltip="copy what the pane shows (OSC 52)"),
        Binding("S,ctrl+s", "screenshot", "Screenshot", show=False, tooltip="save an SVG"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "leave_field", "Leave field"),  # in the footer while a field has focus
    ]

    # The state every pane shares, in one place: each pane binds to it (data_bind in
    # compose) and changes it through Pane.share. The nets are the session's, one per order.
    # The n of the n-gram model every pane shows; 2, the lecture's bigram, unless --order.
    order: var[int] = var(DEFAULT_ORDER, init=False)
    # The counts model's add-k: Word's +/−, Evaluate's table (+/− and `a`) and Sample's
    # counts model use this one k.
    k: var[float] = var(0.0, init=False)

    def __init__(
        self,
        data: str | None = None,
        seed: int | None = None,
        order: int = DEFAULT_ORDER,
        screenshots_dir: str | os.PathLike[str] | None = None,
        load: str | None = None,
        *,
        dev: str | None = None,
        test: str | None = None,
        stream: bool = False,
    ) -> None:
        super().__init__(driver_class=terminal_driver())
        if "TEXTUAL_ANIMATIONS" not in os.environ:  # the user's own choice stands
            # Sliding the tabs' underline made every pane switch 18 more frames for 0.3 s:
            # bytes over SSH, and CPU the next key and a sweep's worker compete for.
            self.animation_level = "none"
        self.data_arg = data
        # --dev and --test: pre-split files, --data the training file (Session.load checks
        # that both come together); --stream, NG's convention of reading each file.
        self.dev_arg, self.test_arg, self.stream = dev, test, stream
        self.seed = DEFAULT_SEED if seed is None else seed
        self.set_reactive(BigramApp.order, order)
        self.load_arg = load  # a net saved by `train --save`, loaded once the model is ready
        self.session: Session | None = None
        self.active_pane = FIRST_PANE.name
        self.key_queue = KeyQueue()
        self.screenshots_dir = screenshots_dir  # --screenshots; else see screenshot_directory
        self._exit_loop: asyncio.AbstractEventLoop | None = None
        self.crash: str | None = None  # what ended the app, if something did
        self._leaving = False

    def exit_soon(self, status: int) -> None:
        """From a signal handler or any thread: exit through Textual with `status`."""
        loop = self._exit_loop
        if loop is None:
            return  # not yet running: the exit guard ends the process instead
        with contextlib.suppress(RuntimeError):  # the loop has closed: leaving already
            loop.call_soon_threadsafe(self.exit, None, status)

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self._leaving = True
        super().exit(*args, **kwargs)

    def _handle_exception(self, error: Exception) -> None:
        if self._leaving and isinstance(error, MountError):
            return  # a lazy pane mounting as the app closes (q or a signal while loading)
        self.crash = f"{type(error).__name__}: {error}"
        super()._handle_exception(error)

    def _print_error_renderables(self) -> None:
        """A crash is one line, with the way to the traceback; never the traceback itself."""
        if self._exit_renderables and self.crash is None:
            self.crash = "the app stopped on an error"  # a panic (the input thread's, say)
        if os.environ.get(DEBUG_ENV_VAR) == "1" or self.crash is None:
            super()._print_error_renderables()
            return
        self._exit_renderables.clear()
        line = (
            f"bigram-tui: internal error: {self.crash}; "
            f"rerun with {DEBUG_ENV_VAR}=1 for the traceback and report it"
        )
        self.error_console.print(Text(line), highlight=False, soft_wrap=True)

    async def on_event(self, event: events.Event) -> None:
        if self.key_queue.intercept(self, event):
            return
        coming_back = isinstance(event, events.Key) and event.is_forwarded
        await super().on_event(event)
        self.key_queue.handled(event, coming_back)

    def compose(self) -> ComposeResult:
        with Horizontal(id="top-bar"):
            yield Tabs(*(Tab(f"{p.key} {p.title}", id=p.tab_id) for p in PANES), id="tabs")
            yield Static("loading…", id="status")
        with Horizontal(id="panes"):
            for spec in PANES:
                pane = spec.pane(id=spec.name, classes="pane")
                pane.data_bind(BigramApp.order, BigramApp.k)
                # All but the first are mounted after the first frame, which then paints sooner.
                yield pane if spec is FIRST_PANE else Lazy(pane)
        yield Static(id="too-small")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        self._apply_size()
        # From now a signal (see run_app) leaves through Textual, which restores the terminal.
        self._exit_loop = asyncio.get_running_loop()
        run_workers_in_background(self._exit_loop)  # keys before training, sweeps, counting
        # Loading torch's libraries holds the GIL for a while: paint the first frame before.
        self.call_after_refresh(self.load_session)

    # Loading ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_session(self) -> None:
        """Import torch, find and read the data, count: everything slow, off the UI thread."""
        try:
            self.post_message(LoadProgress("loading torch…"))
            from bigram_tui.core.session import (
                DataError,
                DatasetUnavailable,
                resolve_dataset,
                settle_threads,
            )

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*NumPy.*")
                settle_threads(spare_cores=1)  # imports torch; one core stays for the UI

            def reading(words: int) -> None:
                self.post_message(LoadProgress(f"counting: {words:,} words…"))

            path = resolve_dataset(self.data_arg)
            dev, test = self.dev_arg, self.test_arg
            session = Session.load(
                Path(path), self.seed, progress=reading, order=self.order,
                dev_path=None if dev is None else Path(dev),
                test_path=None if test is None else Path(test),
                stream=self.stream,
            )  # fmt: skip
        except (DataError, DatasetUnavailable) as error:
            self.post_message(LoadFailed(str(error)))
        except Exception as error:
            self.post_message(LoadFailed(f"could not load the model: {error}"))
        else:
            self.post_message(SessionReady(session))

    def on_load_progress(self, message: LoadProgress) -> None:
        self.query_one("#status", Static).update(Content(message.text))

    def on_pane_mounted(self, message: PaneMounted) -> None:
        if not self.screen_stack:
            return  # the app is quitting before its lazy panes arrived
        if self.load_arg is not None and isinstance(message.pane, TrainPane):
            message.pane.load_at_start(self.load_arg)
        self._show_panes()
        if self.session is not None and not message.pane.ready:
            message.pane.attach(self.session)

    def on_smoothing_chosen(self, message: SmoothingChosen) -> None:
        self.k = message.k
        self.notify(f"smoothing k = {message.k:.3g} (best on dev at order {message.order})")

    def on_session_ready(self, message: SessionReady) -> None:
        self.session = message.session
        self._show_status()
        for pane in self.query(Pane):
            pane.attach(message.session)
        self._mark_grid()
        self._pane(self.active_pane).focus_default()
        self.key_queue.release(self)
        # torch, the data and the widgets live as long as the app: with them out of the
        # collector's sight, a full collection takes milliseconds, not 100–250 ms (bench).
        gc.freeze()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#status", Static).update("no data")
        self.key_queue.drop()
        reason = shown_text(message.reason)  # an OS error may quote a path raw
        self.push_screen(DataProblemScreen(reason), callback=self._retry_load)

    def _retry_load(self, _: None = None) -> None:
        self.query_one("#status", Static).update("loading…")
        self.key_queue.reload()
        self.load_session()

    # Panes -----------------------------------------------------------------------

    def _pane(self, name: str) -> Pane:
        return self.query_one(f"#{name}", Pane)

    def action_show_pane(self, name: str) -> None:
        # Switch here, not on Tabs.TabActivated: a key typed right after must reach the new pane.
        self._activate(name)
        self.query_one(Tabs).active = f"tab-{name}"

    @on(Tabs.TabActivated)
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        name = event.tab.id.removeprefix("tab-") if event.tab.id else FIRST_PANE.name
        if name != self.active_pane:  # a click on a tab
            self._activate(name)

    def _activate(self, name: str) -> None:
        self.active_pane = name
        self._show_panes()
        if self.session is not None:
            self._pane(name).focus_default()

    def _show_panes(self) -> None:
        shown = {self.active_pane}
        # Wide: the grid stays beside the other panes; on its own tab it takes the whole width.
        if self.screen.has_class("-wide"):
            shown.add(FIRST_PANE.name)
        for pane in self.query(Pane):
            # Display, not a class: a class change would restyle every widget in the pane.
            pane.display = pane.id in shown
        self.call_after_refresh(self._fit_shown_panes)
        self._mark_grid()

    def on_word_changed(self, _message: WordChanged) -> None:
        self._mark_grid()

    def _mark_grid(self) -> None:
        """The grid marks the word of the pane beside it (wide layout), and nothing otherwise."""
        panes = {pane.id: pane for pane in self.query(Pane)}  # some mount after the first frame
        grid, active = panes.get(FIRST_PANE.name), panes.get(self.active_pane)
        if not isinstance(grid, CountsPane) or not grid.ready or active is None:
            return
        beside = active is not grid and self.screen.has_class("-wide")
        grid.mark_word(active.grid_word() if beside and active.ready else "")

    def _fit_shown_panes(self) -> None:
        for pane in self.query(Pane):
            if pane.display and pane.ready:
                pane.fit_to_size()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_field = isinstance(self.focused, Input)
        if action == "leave_field":
            return in_field
        return not (in_field and action in TYPED_IN_A_FIELD)

    def action_leave_field(self) -> None:
        if isinstance(self.focused, Input):
            pane = next((a for a in self.focused.ancestors if isinstance(a, Pane)), None)
            if pane is not None:
                pane.focus_default()
            else:
                self.set_focus(None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self._key_sections()))

    def _key_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        general = [
            (" ".join(p.key for p in PANES), "show " + ", ".join(p.title for p in PANES)),
            ("o", "the order n: 1 → 2 → … → 6 → 1"),
            ("y", "copy what the pane shows to the clipboard"),
            ("S, ctrl+s", "save a screenshot (SVG)"),
            ("?", "this help"),
            ("q, ctrl+q", "quit"),
            ("escape", "leave a text field"),
            ("tab", "move focus"),
            ("ctrl+p", "command palette"),
        ]
        sections = [("Everywhere", general)]
        for spec in PANES:
            keys = [(_key_label(b), b.tooltip or b.description) for b in _bindings_of(spec.pane)]
            sections.append((f"{spec.key} {spec.title}", keys))
        sections.append(
            ("Counts grid", [("arrows, h j k l", "move the cursor"), ("home, end", "first/last")])
        )
        return sections

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, SafeCommandPalette):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def _system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for spec in PANES:
            yield SystemCommand(
                f"Show {spec.title}",
                f"Switch to pane {spec.key}",
                lambda n=spec.name: self.action_show_pane(n),
            )
        for order in range(MIN_ORDER, MAX_ORDER + 1):
            yield SystemCommand(
                f"Order {order}: {order_name(order)}",
                f"every pane uses the {order_name(order)} model",
                lambda n=order: setattr(self, "order", n),
            )
        yield SystemCommand("Help: keys", "List every key", self.action_help)
        for pane in self.query(Pane):  # those mounted so far
            # One command per action, with all its keys: `n` and `s` both step one epoch.
            by_action: dict[str, list[Binding]] = {}
            for binding in _bindings_of(type(pane)):
                by_action.setdefault(binding.action, []).append(binding)
            for action, group in by_action.items():
                keys = ", ".join(dict.fromkeys(_key_label(b) for b in group))
                yield SystemCommand(
                    f"{pane.TITLE}: {group[0].description}",
                    f"key {keys}",
                    lambda p=pane, a=action: self._run_pane_action(p, a),
                )

    # Copy and screenshots -----------------------------------------------------------

    def action_copy(self) -> None:
        pane = self._pane(self.active_pane)
        copied = pane.copy_text() if pane.ready else None
        if copied is None:
            self.notify(f"nothing to copy in {pane.TITLE}", severity="warning", timeout=3)
            return
        what, text = copied
        # OSC 52: the terminal puts it on the clipboard, over SSH too.
        self.copy_to_clipboard(text)
        self.notify(f"copied {what}", timeout=3)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from self._system_commands(screen)
        yield SystemCommand(
            "Copy what the pane shows",
            "to the clipboard (the Word score table, the Counts cell, …); key y",
            self.action_copy,
        )

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.deliver_screenshot(filename, path)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """Save an SVG of the screen and say where, or why not (never silently)."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)  # a browser download
        from bigram_tui.core.session import WriteRefused, atomic_write

        directory = Path(path) if path else screenshot_directory(self.screenshots_dir)
        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        svg = self.export_screenshot().encode("utf-8")

        def write(stream: BinaryIO) -> None:
            stream.write(svg)

        try:
            saved = atomic_write(directory / name, write)
        except WriteRefused as refused:
            # One line, the reason and the way out; plain text (a path may hold "[").
            self.notify(
                f"no screenshot: {refused}; or start with --screenshots DIR",
                severity="error",
                timeout=8,
            )
            return None
        self.notify(f"screenshot saved to {shown_path(saved)}", timeout=6)
        return str(saved)

    def action_next_order(self) -> None:
        self.order = MIN_ORDER + (self.order - MIN_ORDER + 1) % (MAX_ORDER - MIN_ORDER + 1)

    def watch_order(self, order: int) -> None:
        # The panes follow by data_bind; the session's default order follows too.
        if self.session is not None:
            self.session.order = order
        self._show_status()  # the status bar says the order: no notice on top of it

    def _run_pane_action(self, pane: Pane, action: str) -> None:
        self.action_show_pane(pane.id or FIRST_PANE.name)
        self.call_after_refresh(pane.run_action, action)

    # Size ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size)

    def _show_status(self, width: int | None = None) -> None:
        """The data and the order beside the tabs, shortened so that one line holds both."""
        if self.session is None:
            return
        width = self.size.width if width is None else width
        session = self.session
        name = dataset_label(session.data_path, short=True)
        order = order_name(self.order)
        words = f"{session.words:,} words"
        # The longest that leaves every tab in view (the status is padded by a column each side).
        room = width - TABS_WIDTH - 2
        choices = [
            (name, words, f"{session.vocab.size} tokens", order),
            (words, order),
            (order,),
        ]
        parts = next((c for c in choices if len(" · ".join(c)) <= room), choices[-1])
        # Content, not markup: a file may be called [@click=app.quit]x.txt.
        self.query_one("#status", Static).update(Content(" · ".join(parts)))

    def _apply_size(self, size: Size | None = None) -> None:
        width, height = size or self.size
        too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        was_too_small = self.screen.has_class("-too-small")
        self.screen.set_class(too_small, "-too-small")
        if was_too_small and not too_small and self.session is not None:
            # Hiding the panes took focus away; give it back so pane keys work at once.
            self.call_after_refresh(self._pane(self.active_pane).focus_default)
        self.screen.set_class(width >= WIDE_SIZE[0] and height >= WIDE_SIZE[1], "-wide")
        self._show_panes()
        self._show_status(width)
        if too_small:
            self.query_one("#too-small", Static).update(
                f"Terminal too small: {width}×{height}.\n"
                f"bigram-tui needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}.\n"
                "Make the window larger, or press q to quit."
            )


KEY_SYMBOLS = {
    "plus": "+",
    "minus": "-",
    "equals_sign": "=",
    "slash": "/",
    "question_mark": "?",
    "full_stop": ".",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "less_than_sign": "<",
    "greater_than_sign": ">",
}


def screenshot_directory(configured: str | os.PathLike[str] | None) -> Path:
    """--screenshots DIR, else $XDG_DOWNLOAD_DIR or ~/Downloads when it exists, else here."""
    if configured is not None:
        return Path(configured).expanduser()  # kept even if missing: the save then says so
    for candidate in (os.environ.get("XDG_DOWNLOAD_DIR"), "~/Downloads"):
        if candidate and Path(candidate).expanduser().is_dir():
            return Path(candidate).expanduser()
    return Path.cwd()


def _key_label(binding: Binding) -> str:
    return ", ".join(KEY_SYMBOLS.get(key, key) for key in binding.key.split(","))


def _bindings_of(pane_type: type[Pane]) -> list[Binding]:
    return [b for b in pane_type.BINDINGS if isinstance(b, Binding)]


def run_app(
    *,
    data: str | None,
    seed: int,
    mouse: bool,
    truecolor: bool,
    order: int = DEFAULT_ORDER,
    load: str | None = None,
    screenshots: str | None = None,
    dev: str | None = None,
    test: str | None = None,
    stream: bool = False,
) -> int:
    if (status := refuse_without_terminal()) is not None:
        return status
    if truecolor:
        from textual import constants

        # Read by App.__init__; the environment variable would be too late, textual is imported.
        constants.COLOR_SYSTEM = "truecolor"  # type: ignore[misc]
    app = BigramApp(
        data=data, seed=seed, order=order, screenshots_dir=screenshots, load=load,
        dev=dev, test=test, stream=stream,
    )  # fmt: skip
    # A signal or a hang-up, from here on, ends the process within 2 s (see terminal.py).
    exit_guard.remember_terminal()
    exit_guard.install(app.exit_soon)
    app.run(mouse=mouse)
    if app.crash is not None and not app.return_code:
        return EXIT_CRASHED  # Textual's panic leaves the return code unset: not a success
    return app.return_code or 0
