"""A deterministic app for Pilot and snapshot tests: fixed data, fixed seed, model loaded."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app import BigramApp

LOAD_TIMEOUT_SECONDS = 60.0


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
