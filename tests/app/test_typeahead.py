"""Keys typed while the model loads are held and replayed once the panes can take them."""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events
from textual.widgets import Input

from bigram_tui.core.session import Session

from .helpers import make_app, until, wait_until_loaded

TYPED = ["2", "e", "e", "m", "m", "a"]  # the Word pane, edit, then a name


@pytest.fixture
def gated_load(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Session.load waits for the returned event: keys are surely typed before it is ready."""
    gate = threading.Event()
    load = Session.load

    def held_load(*args, **kwargs):
        gate.wait(30)
        return load(*args, **kwargs)

    monkeypatch.setattr(Session, "load", held_load)
    return gate


def test_keys_typed_while_loading_reach_the_word_field(names_path, gated_load) -> None:
    async def main() -> None:
        app = make_app(names_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            for key in TYPED:  # as a fast typist does: all in the first second
                app.post_message(events.Key(key, key))
                await asyncio.sleep(0.02)
            await pilot.pause(0.2)
            assert app.session is None  # typed before the model was ready
            gated_load.set()
            await wait_until_loaded(pilot)
            field = app.query_one("#word-input", Input)
            await until(pilot, lambda: field.value == "emma", timeout=10)
            assert app.active_pane == "word"
            assert app.focused is field

    asyncio.run(main())


def test_q_while_loading_still_quits(names_path, gated_load) -> None:
    async def main() -> None:
        app = make_app(names_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.2)
            app.post_message(events.Key("q", "q"))
            await until(pilot, lambda: not app.is_running, timeout=5)
        gated_load.set()

    asyncio.run(main())
