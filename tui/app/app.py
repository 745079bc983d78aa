"""The Textual app: four panes over one model, loaded in the background."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import warnings
from collections.abc import Iterable
from pathlib import Path

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.lazy import Lazy
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static, Tab, Tabs

from bigram_tui.core.session import Session

from .counts_pane import CountsPane
from .footer import KeyFooter
from .key_queue import KeyQueue
from .pane import Pane
from .sample_pane import SamplePane
from .screens import DataProblemScreen, HelpScreen
from .train_pane import TrainPane
from .word_pane import WordPane

PANES = ("counts", "word", "train", "sample")
PANE_TYPES = (CountsPane, WordPane, TrainPane, SamplePane)  # in the order of PANES
MIN_SIZE = (60, 16)  # below this, a message instead of a squashed layout
WIDE_SIZE = (160, 45)  # from here, the counts grid stays beside the other panes


class SessionReady(Message):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


class LoadProgress(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class LoadFailed(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class BigramApp(App[None]):
    TITLE = "bigram-tui"
    CSS_PATH = [
        "styles/app.tcss",
        "styles/counts.tcss",
        "styles/word.tcss",
        "styles/train.tcss",
        "styles/sample.tcss",
        "styles/footer.tcss",
    ]
    BINDINGS = [
        Binding("1", "show_pane('counts')", "Counts", show=False),
        Binding("2", "show_pane('word')", "Word", show=False),
        Binding("3", "show_pane('train')", "Train", show=False),
        Binding("4", "show_pane('sample')", "Sample", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "leave_field", "Leave field", show=False),
    ]

    def __init__(self, data: str | None = None, seed: int | None = None) -> None:
        super().__init__()
        from bigram_tui.core.rng import DEFAULT_SEED

        self.data_arg = data
        self.seed = DEFAULT_SEED if seed is None else seed
        self.session: Session | None = None
        self.active_pane = "counts"
        self.key_queue = KeyQueue()

    async def on_event(self, event: events.Event) -> None:
        if not self.key_queue.intercept(self, event):
            await super().on_event(event)

    def compose(self) -> ComposeResult:
        with Horizontal(id="top-bar"):
            yield Tabs(
                *(Tab(f"{i} {name.title()}", id=f"tab-{name}") for i, name in enumerate(PANES, 1)),
                id="tabs",
            )
            yield Static("loading…", id="status")
        with Horizontal(id="panes"):
            yield CountsPane(id="counts", classes="pane")
            # Mounted after the first frame, which then paints sooner.
            yield Lazy(WordPane(id="word", classes="pane"))
            yield Lazy(TrainPane(id="train", classes="pane"))
            yield Lazy(SamplePane(id="sample", classes="pane"))
        yield Static(id="too-small")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        self._apply_size()
        loop = asyncio.get_running_loop()
        for signal_number in (signal.SIGTERM, signal.SIGHUP):
            # A dropped SSH link or a kill: leave through Textual, which restores the terminal.
            loop.add_signal_handler(signal_number, self.exit, None, 128 + signal_number)
        # Loading torch's libraries holds the GIL for a while: paint the first frame before.
        self.call_after_refresh(self.load_session)

    # Loading ---------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_session(self) -> None:
        """Import torch, find and read the data, count: everything slow, off the UI thread."""
        try:
            self.post_message(LoadProgress("loading torch…"))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*NumPy.*")
                import torch

            # One core stays free for the UI thread on a small machine.
            torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
            from bigram_tui.core.data import DataError
            from bigram_tui.core.dataset import DatasetUnavailable, resolve_dataset

            def downloading(done: int, total: int | None) -> None:
                of = f" of {total // 1024:,} KB" if total else ""
                self.post_message(LoadProgress(f"downloading names.txt: {done // 1024:,} KB{of}"))

            def reading(words: int) -> None:
                self.post_message(LoadProgress(f"counting: {words:,} words…"))

            path = resolve_dataset(self.data_arg, progress=downloading)
            session = Session.load(Path(path), self.seed, progress=reading)
        except (DataError, DatasetUnavailable) as error:
            self.post_message(LoadFailed(str(error)))
        except Exception as error:
            self.post_message(LoadFailed(f"could not load the model: {error}"))
        else:
            self.post_message(SessionReady(session))

    def on_load_progress(self, message: LoadProgress) -> None:
        self.query_one("#status", Static).update(message.text)

    def on_pane_mounted(self, message: Pane.Mounted) -> None:
        self._show_panes()
        if self.session is not None and message.pane.session is None:
            message.pane.attach(self.session)

    def on_session_ready(self, message: SessionReady) -> None:
        self.session = message.session
        counts = message.session.counts
        self.query_one("#status", Static).update(
            f"{message.session.data_path.name} · {counts.words:,} words · "
            f"{counts.vocab.size} tokens"
        )
        for pane in self.query(Pane):
            pane.attach(message.session)
        self._pane(self.active_pane).focus_default()
        self.key_queue.release(self)
        # torch, the data and the widgets live as long as the app: with them out of the
        # collector's sight, a full collection takes milliseconds, not 100–250 ms (bench).
        gc.freeze()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#status", Static).update("no data")
        self.key_queue.drop()
        self.push_screen(DataProblemScreen(message.reason), callback=self._retry_load)

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
        name = event.tab.id.removeprefix("tab-") if event.tab.id else "counts"
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
            shown.add("counts")
        for pane in self.query(Pane):
            # Display, not a class: a class change would restyle every widget in the pane.
            pane.display = pane.id in shown

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
            ("1 2 3 4", "show Counts, Word, Train, Sample"),
            ("?", "this help"),
            ("q, ctrl+q", "quit"),
            ("escape", "leave a text field"),
            ("tab", "move focus"),
            ("ctrl+p", "command palette"),
        ]
        sections = [("Everywhere", general)]
        for number, pane_type in enumerate(PANE_TYPES, 1):
            keys = [(_key_label(b), b.tooltip or b.description) for b in _bindings_of(pane_type)]
            sections.append((f"{number} {pane_type.TITLE}", keys))
        sections.append(
            ("Counts grid", [("arrows, h j k l", "move the cursor"), ("home, end", "first/last")])
        )
        return sections

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for i, name in enumerate(PANES, 1):
            yield SystemCommand(
                f"Show {name.title()}",
                f"Switch to pane {i}",
                lambda n=name: self.action_show_pane(n),
            )
        yield SystemCommand("Help: keys", "List every key", self.action_help)
        for pane in self.query(Pane):  # those mounted so far
            for binding in _bindings_of(type(pane)):
                yield SystemCommand(
                    f"{pane.TITLE}: {binding.description}",
                    f"key {binding.key}",
                    lambda p=pane, a=binding.action: self._run_pane_action(p, a),
                )

    def _run_pane_action(self, pane: Pane, action: str) -> None:
        self.action_show_pane(pane.id or "counts")
        self.call_after_refresh(pane.run_action, action)

    # Size ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._apply_size(event.size)

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
}


def _key_label(binding: Binding) -> str:
    return ", ".join(KEY_SYMBOLS.get(key, key) for key in binding.key.split(","))


def _bindings_of(pane_type: type[Pane]) -> list[Binding]:
    return [b for b in pane_type.BINDINGS if isinstance(b, Binding)]


def run_app(*, data: str | None, seed: int, mouse: bool, truecolor: bool) -> int:
    if truecolor:
        from textual import constants

        # Read by App.__init__; the environment variable would be too late, textual is imported.
        constants.COLOR_SYSTEM = "truecolor"  # type: ignore[misc]
    app = BigramApp(data=data, seed=seed)
    app.run(mouse=mouse)
    return app.return_code or 0
