"""Keys refused by a full Word field raise one notice, not one toast each."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual import events
from textual.widgets import Input
from textual.widgets._toast import Toast

from bigram_tui.tui.app.word_pane import MAX_WORD_LENGTH

from .helpers import make_app, until, wait_until_loaded

FLOOD = 5_000


def test_five_thousand_keys_into_a_full_field_then_quit(names_path: Path) -> None:
    async def main() -> float:
        app = make_app(names_path)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("2", "e")
            field = app.query_one("#word-input", Input)
            field.value = "a" * MAX_WORD_LENGTH
            field.cursor_position = MAX_WORD_LENGTH
            await pilot.pause()
            raised = []
            add = app._notifications.add
            app._notifications.add = lambda notice: (raised.append(notice), add(notice))[1]
            flood_started = time.monotonic()
            for _ in range(FLOOD):  # as a terminal delivers a paste without bracketed paste
                app.post_message(events.Key("b", "b"))
            await until(pilot, lambda: app._message_queue.empty(), timeout=60)
            await pilot.pause(0.2)
            assert field.value == "a" * MAX_WORD_LENGTH
            # One notice per timeout at most (the first may time out during a slow flood).
            timeout = raised[0].timeout
            assert 1 <= len(raised) <= 1 + (time.monotonic() - flood_started) / timeout
            assert len(app._notifications) <= 1, [n.message for n in app._notifications]
            assert len(app.screen.query(Toast)) <= 1
            started = time.monotonic()
            await pilot.press("escape", "q")
            await until(pilot, lambda: not app.is_running, timeout=10)
        return time.monotonic() - started

    assert asyncio.run(main()) < 5.0


def test_a_different_notice_still_shows_beside_a_coalesced_one(names_path: Path) -> None:
    async def main() -> None:
        app = make_app(names_path)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_until_loaded(pilot)
            for _ in range(50):
                app.notify("the same thing")
            app.notify("something else")
            await pilot.pause(0.2)
            messages = sorted(n.message for n in app._notifications)
            assert messages == ["something else", "the same thing"]
            app.clear_notifications()
            app.notify("the same thing")  # cleared: shown again at once
            await pilot.pause()
            assert [n.message for n in app._notifications] == ["the same thing"]

    asyncio.run(main())


def test_ctrl_c_says_how_to_quit_in_plain_words(names_path: Path) -> None:
    async def main() -> None:
        app = make_app(names_path)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("ctrl+c")
            await until(pilot, lambda: app.screen.query(Toast))
            (toast,) = app.screen.query(Toast)
            text = toast.render().plain
            assert "Press ctrl+q to quit the app" in text or "Press q to quit the app" in text
            assert "[b]" not in text
            assert app.is_running

    asyncio.run(main())
