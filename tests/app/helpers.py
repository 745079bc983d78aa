"""The app layer's test helpers: a deterministic app (fixed data and seed, model loaded), a
host app for one pane, a session per test module, and waiting for, pressing and reading what is
on screen."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Footer, Input, RichLog

from bigram_tui.core.defaults import DEFAULT_SEED
from bigram_tui.core.session import Session
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.pane import Pane
from bigram_tui.tui.app.registry import PANES
from bigram_tui.tui.app.sample_pane import SamplePane
from bigram_tui.tui.app.train_pane import TrainPane

LOAD_TIMEOUT_SECONDS = 60.0
PANE_NAMES = [spec.name for spec in PANES]  # in tab order
PANE_IDS = {spec.key: spec.name for spec in PANES}  # the key that shows each pane
# Every pane by its key, the first last: each press switches to a pane not shown before.
TOUR = [(spec.key, spec.name) for spec in (*PANES[1:], PANES[0])]
LECTURE_SEED = 2147483647  # written out, not DEFAULT_SEED: the notebook's seed is the spec
LECTURE_NAMES = ["mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie"]
LONG_RUN_EPOCHS = "1000000"  # the epochs field's maximum: a run that outlasts any test


def make_app(names_path: Path) -> BigramApp:
    return BigramApp(data=str(names_path), seed=DEFAULT_SEED)


async def wait_until_loaded(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, BigramApp)
    deadline = asyncio.get_running_loop().time() + LOAD_TIMEOUT_SECONDS
    while app.session is None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the model did not load")
        await pilot.pause(0.05)
    await pilot.pause()


def text_of(node: DOMNode, selector: str) -> str:
    """The plain text the widget at `selector` under `node` (an app or a pane) shows."""
    return str(node.query_one(selector, Widget).render())


async def until(pilot: Pilot | None, condition, timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds.

    Without a pilot it only sleeps: Pilot.pause waits for the screen, which never idles
    while training runs.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        if pilot is None:
            await asyncio.sleep(0.02)
        else:
            await pilot.pause(0.02)


def session_fixture(**options):
    """A module-scoped `session` fixture: names.txt loaded once, by `Session.load(**options)`.

    Assign it to `session` in a test module; the module's tests share that one session.
    """

    @pytest.fixture(scope="module")
    def session(names_path):
        from bigram_tui.core.session import Session

        return Session.load(names_path, **options)

    return session


async def press_now(pilot: Pilot, *keys: str) -> None:
    """Press keys as the terminal would, without Pilot's wait for an idle CPU.

    Pilot.press waits until the process idles, up to a second per wait, and a running
    training thread never idles: this posts the same key events and lets them land.
    """
    for key in keys:
        pilot.app.post_message(events.Key(key, None))
        await asyncio.sleep(0.05)


async def set_train_field(pilot: Pilot, name: str, value: str) -> None:
    """Type `value` into the Train pane's field `name` (lr, epochs, reg) and let it apply."""
    pilot.app.query_one(f"#train-{name}", Input).value = value
    await pilot.pause()


async def start_long_run(pilot: Pilot) -> None:
    """On the Train pane: set the epochs field to its maximum, leave it, and start training."""
    await set_train_field(pilot, "epochs", LONG_RUN_EPOCHS)
    await pilot.press("escape")
    await press_now(pilot, "space")


class HeldCounting:
    """Every count of an order but 2 (counted at load) made to wait until released,
    recording the thread it ran on."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.threads: list[threading.Thread] = []
        original = Session.counts

        def held_counts(session, order=None):
            if order not in (None, 2):
                self.threads.append(threading.current_thread())
                self.release.wait(10)
            return original(session, order)

        monkeypatch.setattr(Session, "counts", held_counts)

    async def switch_order(self, pilot: Pilot, pane: Pane, order: int, selector: str) -> None:
        """Give `pane` the order; check that it counts off the UI thread and says so in the
        widget at `selector`; then let the counting finish."""
        pane.use_order(order)
        await until(pilot, lambda: bool(self.threads))
        await pilot.pause()
        assert text_of(pane, selector) == f"counting order {order}…"
        assert self.threads[0] is not threading.main_thread()
        self.release.set()


def run_loaded(names_path: Path, scenario, size=(120, 36)):
    """Run `scenario(app, pilot)` on the deterministic app (make_app) once its model loaded."""

    async def main():
        app = make_app(names_path)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            return await scenario(app, pilot)

    return asyncio.run(main())


def run_on_pane(names_path: Path, pane_key: str, scenario, size=(120, 36)):
    """Run `scenario(app, pilot, pane)` on a loaded app, with the pane of `pane_key` shown."""

    async def on_pane(app, pilot):
        await pilot.press(pane_key)
        return await scenario(app, pilot, app.query_one(f"#{PANE_IDS[pane_key]}"))

    return run_loaded(names_path, on_pane, size)


class SinglePaneApp(App):
    """One pane (it brings its own stylesheet) and a footer, attached to a loaded session."""

    def __init__(self, pane: Pane, session) -> None:
        super().__init__()
        self.pane = pane
        self.session = session

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        self.pane.attach(self.session)
        self.pane.focus_default()


def drive_pane(pane: Pane, session, scenario, size=(80, 24)) -> None:
    """Run `scenario(pilot, pane)` in a headless SinglePaneApp."""

    async def main():
        app = SinglePaneApp(pane, session)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, pane)

    asyncio.run(main())


def drive_sample(session, scenario, size=(80, 24)) -> None:
    """Run `scenario(pilot, pane)` on a fresh SamplePane alone in a headless app."""
    drive_pane(SamplePane(id="sample"), session, scenario, size)


def drive_train(session, scenario, size=(80, 24)) -> None:
    """Run `scenario(pilot, pane)` on a fresh TrainPane, the session's nets reset first."""
    for order in range(1, 6):
        if session.has_run(order):
            session.run(order).reset()
    drive_pane(TrainPane(id="train"), session, scenario, size)


def history_lines(pane: SamplePane) -> list[str]:
    """The Sample pane's list of names drawn, a line each: number, marks and name."""
    return [strip.text.rstrip() for strip in pane.query_one("#sample-history", RichLog).lines]


def history_names(pane: SamplePane) -> list[str]:
    """Just the names in the Sample pane's list, in the order drawn."""
    return [line.split()[-1] for line in history_lines(pane)]
