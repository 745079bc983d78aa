"""Words, names and file names from the data are shown as text, never parsed as markup."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input, RichLog
from textual.widgets._toast import Toast

from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.pane import Pane
from bigram_tui.tui.app.registry import PANES
from bigram_tui.tui.app.sample_pane import SamplePane

from .helpers import text_of, until, wait_until_loaded

# A closing tag with nothing open: Textual's markup parser raises MarkupError on it.
CLOSING_TAG = "[/]"
WORDS = ["a[/]b", "[bold]x", "[/]", "[red]", "ab"]


def write_words(path: Path, words: list[str]) -> Path:
    path.write_text("\n".join(words) + "\n", encoding="utf-8")
    return path


def run(path: Path, scenario, size=(120, 40)):
    async def main():
        app = BigramApp(data=str(path), seed=DEFAULT_SEED)
        # notifications=True: Pilot hides toasts by default, and a toast is where markup crashed.
        async with app.run_test(size=size, notifications=True) as pilot:
            await wait_until_loaded(pilot)
            await scenario(app, pilot)
            app.export_screenshot()  # render every widget on screen, toasts included
            assert app.is_running and app.return_code is None
        assert app.return_code in (None, 0)

    asyncio.run(main())


def toast_texts(app: BigramApp) -> list[str]:
    return [toast.render().plain for toast in app.screen.query(Toast)]


def test_a_file_named_as_a_click_action_is_shown_literally_and_does_nothing(tmp_path) -> None:
    path = write_words(tmp_path / "[@click=app.quit]x.txt", ["ab", "ba"])

    async def scenario(app, pilot):
        assert text_of(app, "#status").startswith("[@click=app.quit]x.txt · 2 words")
        await pilot.click("#status")
        await pilot.click("#status", offset=(2, 0))
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        await pilot.press("2")  # the app still answers keys
        assert app.active_pane == "word"

    run(path, scenario)


def test_a_file_named_as_a_style_keeps_its_brackets(tmp_path) -> None:
    path = write_words(tmp_path / "[red]x.txt", ["ab"])

    async def scenario(app, pilot):
        assert text_of(app, "#status").startswith("[red]x.txt ·")

    run(path, scenario)


def test_a_name_holding_a_closing_tag_is_drawn_and_announced(tmp_path) -> None:
    """Only '[/]': every name is '[/]', drawn in three steps; m then quotes it in a notice."""
    path = write_words(tmp_path / "tags.txt", [CLOSING_TAG])

    async def scenario(app, pilot):
        await pilot.press("4")
        pane = app.query_one(SamplePane)
        await until(pilot, lambda: pane.sampler is not None)
        await pilot.press(*["space"] * 8)  # two whole names: '[', '/', ']', '.' each
        await pilot.pause()
        assert CLOSING_TAG in text_of(app, "#sample-name")
        history = app.query_one("#sample-history", RichLog)
        assert sum(CLOSING_TAG in line.text for line in history.lines) == 2
        await pilot.press("space", "space", "space")
        assert "".join(pane.sampler.current) == CLOSING_TAG
        await pilot.press("m")  # drops the name in progress, and says which
        await until(pilot, lambda: toast_texts(app))
        assert any(f"'{CLOSING_TAG}'" in text for text in toast_texts(app))

    run(path, scenario)


def test_markup_like_words_in_every_pane(tmp_path) -> None:
    path = write_words(tmp_path / "markup.txt", WORDS)

    async def scenario(app, pilot):
        await pilot.press("1")
        for _ in range(12):  # across the labels '[', '/', ']', ... in the read-out
            await pilot.press("right")
        await pilot.press("down", "down")
        assert "bigram" in text_of(app, "#cell-info")
        await pilot.press("t", "z")  # the top bigrams and the labelled grid
        app.export_screenshot()
        await pilot.press("2", "e")
        field = app.query_one("#word-input", Input)
        field.value = ""
        for char in "a[/]b":
            await pilot.press(char)
        await pilot.press("enter")
        assert "[/" in text_of(app, "#word-table")
        assert "mean NLL" in text_of(app, "#word-summary")
        await pilot.press("4")
        for _ in range(4):
            await pilot.press(*["space"] * 10, "m")
        await pilot.press("a")  # auto-draw for a while
        await pilot.pause(1.0)
        await pilot.press("a")
        history = app.query_one("#sample-history", RichLog)
        assert history.lines

    run(path, scenario)


HOSTILE = "\x1b]0;pwned\x07\x1b[2J"  # retitles the terminal and clears it, if printed raw


def test_the_status_bar_escapes_a_file_name_holding_terminal_codes(tmp_path) -> None:
    path = write_words(tmp_path / f"{HOSTILE}.txt", ["ab"])

    async def scenario(app, pilot):
        status = text_of(app, "#status")
        assert "\x1b" not in status and "\x07" not in status
        assert status.startswith(r"'\x1b]0;pwned\x07\x1b[2J.txt' · 1 words")

    run(path, scenario)


def test_the_data_problem_screen_escapes_the_path(tmp_path) -> None:
    missing = tmp_path / f"{HOSTILE}missing.txt"

    async def main():
        app = BigramApp(data=str(missing), seed=DEFAULT_SEED)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.screen.query("#problem-box"))
            shown = "".join(str(static.visual) for static in app.screen.query("Static"))
            assert "no such file" in shown
            assert r"\x1b]0;pwned\x07" in shown and "\x1b" not in shown
            # Quit once every pane is mounted: a late Pane.Mounted at exit finds no screen.
            await until(pilot, lambda: len(app.screen_stack[0].query(Pane)) == len(PANES))

    asyncio.run(main())
