"""A deterministic app for Pilot and snapshot tests: fixed data, fixed seed, model loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Footer, Static

import bigram_tui.tui.app as tui_package
from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.pane import Pane

LOAD_TIMEOUT_SECONDS = 60.0
STYLES = Path(tui_package.__file__).parent / "styles"


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


def text_of(app: BigramApp, selector: str) -> str:
    """The plain text a Static shows."""
    return str(app.query_one(selector, Static).visual)


async def until(pilot: Pilot, condition, timeout: float = 20.0) -> None:
    """Let the app run until `condition()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await pilot.pause(0.02)


def run_on_pane(names_path: Path, pane_key: str, scenario, size=(120, 36)):
    """Run `scenario(app, pilot, pane)` on a loaded app, with the pane of `pane_key` shown."""

    async def main():
        app = make_app(names_path)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press(pane_key)
            pane = app.query_one(f"#{PANE_IDS[pane_key]}")
            return await scenario(app, pilot, pane)

    return asyncio.run(main())


PANE_IDS = {"1": "counts", "2": "word", "3": "train", "4": "sample"}


class SinglePaneApp(App):
    """One pane with its stylesheet and a footer, attached to a loaded session."""

    def __init__(self, pane: Pane, stylesheet: str, session) -> None:
        super().__init__(css_path=[STYLES / stylesheet])
        self.pane = pane
        self.session = session

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        self.pane.attach(self.session)
        self.pane.focus_default()


def drive_pane(pane: Pane, stylesheet: str, session, scenario, size=(80, 24)) -> None:
    """Run `scenario(pilot, pane)` in a headless SinglePaneApp."""

    async def main():
        app = SinglePaneApp(pane, stylesheet, session)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot, pane)

    asyncio.run(main())
