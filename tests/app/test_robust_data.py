"""The app with unusual data: a vocabulary of 89 characters, a file large enough to show
counting progress, and bad files, which open the data problem screen instead of crashing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.heatmap import Heatmap
from bigram_tui.tui.app.screens import DataProblemScreen

from ..core.helpers import TOKENS, write_wide_words
from .helpers import text_of, wait_until_loaded

pytestmark = pytest.mark.usefixtures("no_data_variable")


def test_wide_vocabulary_in_the_app(tmp_path: Path) -> None:
    """The 90×90 grid scrolls to its last cell, and the other panes work with it."""
    path = write_wide_words(tmp_path)

    async def scenario() -> None:
        app = BigramApp(data=str(path), seed=1)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until_loaded(pilot)
            heatmap = app.query_one(Heatmap)
            assert heatmap.virtual_size.width > heatmap.size.width
            await pilot.press("end")
            await pilot.pause()
            assert (heatmap.row, heatmap.col) == (TOKENS - 1, TOKENS - 1)
            assert heatmap.scroll_offset.x > 0 and heatmap.scroll_offset.y > 0
            assert "😀" in text_of(app, "#cell-info")
            await pilot.press("2")
            app.query_one("#word-input", Input).value = "Ae\u0301"
            await pilot.pause()
            assert "mean NLL" in text_of(app, "#word-summary")
            await pilot.press("4", "f", "f", "f")
            history = app.query_one("#sample-history")
            assert len(history.lines) == 3
            assert "name" in str(app.query_one("#sample-name", Static).visual)

    asyncio.run(scenario())


# --- size ------------------------------------------------------------------------------------


def test_the_app_shows_counting_progress(tmp_path: Path, names: list[str], monkeypatch) -> None:
    """While a multi-megabyte file loads, the status line says how far counting got."""

    path = tmp_path / "five.txt"
    path.write_text(("\n".join(names) + "\n") * 20, encoding="utf-8")
    shown: list[str] = []
    original = BigramApp.on_load_progress

    def recording(self: BigramApp, message) -> None:
        shown.append(message.text)
        original(self, message)

    monkeypatch.setattr(BigramApp, "on_load_progress", recording)

    async def scenario() -> None:
        app = BigramApp(data=str(path), seed=1)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until_loaded(pilot)

    asyncio.run(scenario())
    counting = [text for text in shown if text.startswith("counting:")]
    assert len(counting) >= 2
    assert counting[-1] == f"counting: {20 * len(names):,} words…"


# --- bad files reach the app as a message, not a crash -------------------------------------


BAD_FILES = [
    (b"", "contains no words"),
    (b"ava\n\xff\n", "line 2: not UTF-8 text"),
    (b"ava\x00\x01\x02\n", "looks like a binary file"),
    (b"ava\nmr.x\n", "line 2: contains '.'"),
    (b"ava\nbo\tb\n", "line 2: contains the control character '\\t'"),
]


def test_bad_files_open_the_data_problem_screen_and_retry_recovers(tmp_path: Path) -> None:
    """Each bad file shows what is wrong and the app keeps running; once fixed, r loads it."""
    path = tmp_path / "bad.txt"
    path.write_bytes(BAD_FILES[0][0])

    async def problem_shown(app, pilot) -> str:
        for _ in range(400):
            if isinstance(app.screen, DataProblemScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, DataProblemScreen)
        await pilot.pause()
        return str(app.screen.query_one("#problem-box Static", Static).visual)

    async def scenario() -> None:
        app = BigramApp(data=str(path), seed=1)
        async with app.run_test(size=(100, 30)) as pilot:
            for index, (content, expected) in enumerate(BAD_FILES):
                if index:  # the user edits the file and presses r
                    path.write_bytes(content)
                    await pilot.press("r")
                    await pilot.pause(0.1)
                shown = await problem_shown(app, pilot)
                assert expected in shown, content
                assert raw_controls(shown) == []
            path.write_text("emma\nava\n", encoding="utf-8")
            await pilot.press("r")
            await wait_until_loaded(pilot)
            assert app.session is not None and app.session.words == 2

    asyncio.run(scenario())


def raw_controls(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and (ch < " " or "\x7f" <= ch <= "\x9f")]
