"""Typed input in the word pane and in `bigram-tui score`: odd words, control codes, pastes."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Tabs

from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.word_pane import MAX_WORD_LENGTH
from bigram_tui.tui.cli import main as cli

from .helpers import run_loaded, text_of

CONTROL_WORDS = ["\x1b[2J", "a\x07b", "ab\x00", "\x1b]0;pwned\x07", "a\u009bb"]


def screen_text(app: BigramApp) -> str:
    """Every character the compositor would send to the terminal for the current screen."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def raw_controls(text: str) -> list[str]:
    return [ch for ch in text if ch != "\n" and unicodedata.category(ch) == "Cc"]


async def word_pane(pilot, value: str) -> None:
    """Show the word pane with `value` in its field, as a paste or typing would leave it."""
    await pilot.press("2")
    pilot.app.query_one("#word-input", Input).value = value
    await pilot.pause()


SIZE = (100, 30)


# --- the word pane ----------------------------------------------------------------------------


def test_an_empty_word_asks_for_one(names_path: Path) -> None:
    """With nothing (or only spaces) typed, the pane asks for a word."""

    async def scenario(app, pilot):
        for value in ("", "   "):
            await word_pane(pilot, value)
            table = text_of(app, "#word-table")
            assert "-inf" not in table and "impossible" not in table
            assert "never contains" not in table
            assert "type a word" in table.lower()

    run_loaded(names_path, scenario, SIZE)


OUTSIDE = [
    ("ANDREJ", 1, "'A'"),  # case is kept: upper case is outside lower-case data
    ("andRej", 4, "'R'"),
    ("ab12", 3, "'1'"),
    ("a😀b", 2, "'😀'"),
    ("mary ann", 5, "' '"),
    ("e\u0301mma", 2, "'\u0301'"),
]


def test_odd_words_in_the_word_pane(names_path: Path) -> None:
    """Blank, foreign and control-character words: named, escaped, never folded or fatal."""

    async def scenario(app, pilot):
        for value in ("", "   "):  # every toggle of the pane survives an empty word
            await word_pane(pilot, value)
            await pilot.press("plus", "m", "w", "m", "w", "minus")
            assert app.query_one(Tabs).active == "tab-word"
            assert "forward pass" not in text_of(app, "#word-table")  # toggled back off
        for value, position, shown in OUTSIDE:
            await word_pane(pilot, value)
            table = text_of(app, "#word-table")
            assert f"position {position}: the data never contains {shown}" in table, value
            assert value in table  # shown as typed, not folded to lower case
            assert text_of(app, "#word-summary") == ""
        for value in CONTROL_WORDS:
            await word_pane(pilot, value)
            table = text_of(app, "#word-table")
            assert raw_controls(table) == [], ascii(value)
            first = next(ch for ch in value if not ch.isprintable())
            assert repr(first)[1:-1] in table

    run_loaded(names_path, scenario, SIZE)


def test_pasted_control_characters_never_reach_the_terminal(names_path: Path) -> None:
    """Whatever is pasted into the field, no control character is drawn on screen."""

    async def scenario(app, pilot):
        await pilot.press("2", "e")
        field = app.query_one("#word-input", Input)
        for value in CONTROL_WORDS:
            field.value = ""
            field.post_message(events.Paste(value))
            await pilot.pause()
            assert raw_controls(screen_text(app)) == [], ascii(value)

    run_loaded(names_path, scenario, SIZE)


def test_typing_and_pasting_past_the_limit(names_path: Path) -> None:
    """Keys past the limit are not added; a 100,000-character paste does not freeze the UI."""

    async def scenario(app, pilot):
        await pilot.press("2", "e")
        field = app.query_one("#word-input", Input)
        field.value = "a" * (MAX_WORD_LENGTH - 2)
        field.cursor_position = len(field.value)
        await pilot.press("b", "c", "d", "e")
        assert field.value == "a" * (MAX_WORD_LENGTH - 2) + "bc"
        assert ".a" in text_of(app, "#word-table")
        started = time.perf_counter()
        field.post_message(events.Paste("ab" * 50_000))
        await pilot.pause()
        assert time.perf_counter() - started < 2.0
        assert len(field.value) <= MAX_WORD_LENGTH
        await pilot.press("escape", "1")
        assert app.query_one(Tabs).active == "tab-counts"

    run_loaded(names_path, scenario, SIZE)


def test_a_long_paste_is_cut_with_a_notification(names_path: Path) -> None:
    """A paste longer than the limit keeps its first characters and says so."""

    async def scenario(app, pilot):
        await pilot.press("2", "e")
        field = app.query_one("#word-input", Input)
        field.value = ""
        field.post_message(events.Paste("ab" * 50_000))
        await pilot.pause()
        assert field.value == ("ab" * 50_000)[:MAX_WORD_LENGTH]
        messages = [n.message for n in app._notifications]
        assert any("100,000" in m and str(MAX_WORD_LENGTH) in m for m in messages)

    run_loaded(names_path, scenario, SIZE)


# --- bigram-tui score ---------------------------------------------------------------------------


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "words.txt"
    path.write_text("emma\nolivia\nava\nmia\n", encoding="utf-8")
    return path


def score(capsys, data: Path, *words: str) -> tuple[int, str, str]:
    code = cli.main(["score", "--data", str(data), *words])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("EMMA", "'E' at 1, 'M' at 2, 'M' at 3, 'A' at 4"),
        ("emMa", "'M' at 3"),
        ("em4", "'4' at 3"),
        ("em😀", "'😀' at 3"),
        ("e mma", "' ' at 2"),
        ("em\x1b[2J", "'\\x1b' at 3"),
        ("a\x00", "'\\x00' at 2"),
        ("a\u009b", "'\\x9b' at 2"),
    ],
    ids=ascii,
)
def test_score_names_each_outside_character_escaped(capsys, data, word, expected) -> None:
    """The error names the characters, with control codes escaped, in one line."""
    code, out, err = score(capsys, data, word)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert expected in err
    assert raw_controls(err) == []


@pytest.mark.parametrize("word", ["", " ", "  \t "], ids=ascii)
def test_score_refuses_empty_words(capsys, data: Path, word: str) -> None:
    """A word needs a character: the empty word is not silently scored as '..'."""
    code, out, err = score(capsys, data, "emma", word)
    assert code == 2 and out == ""
    assert "a word needs at least one character" in err


def test_score_keeps_case_and_scores_inner_spaces_when_the_data_has_them(capsys, tmp_path) -> None:
    """With data holding spaces and capitals, 'Mary Ann' is a word like any other."""
    path = tmp_path / "full.txt"
    path.write_text("Mary Ann\nmary\nAnn\n", encoding="utf-8")
    code, out, err = score(capsys, path, "Mary Ann", "mary ann")
    assert (code, err) == (0, "")
    first, second = out.split("\nmary ann\n")
    assert "y " in first and " A" in first and "-inf" not in first
    assert " a" in second and "-inf" in second  # no folding: ' a' never occurs
