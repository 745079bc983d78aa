"""The one rule for showing outside text: printable characters as they are, the rest escaped."""

from __future__ import annotations

import os

import pytest

from bigram_tui.core.display import shown_path, shown_text


@pytest.mark.parametrize(
    "text",
    ["names.txt", "/home/ana/listas de nombres/niños.txt", "中文.txt", "😀.txt", "e\u0301", "it's"],
)
def test_printable_text_is_left_alone(text: str) -> None:
    assert shown_path(text) == text
    assert shown_text(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x1b[2Jb", r"a\x1b[2Jb"),
        ("\x07", r"\x07"),
        ("tab\there", r"tab\x09here"),
        ("evil\u202etxt.exe", r"evil\u202etxt.exe"),
        ("zero\u200bwidth", r"zero\u200bwidth"),
        ("line\u2028break", r"line\u2028break"),
        ("nbsp\xa0", r"nbsp\xa0"),
        ("tag\U000e0041", r"tag\U000e0041"),
    ],
)
def test_shown_text_escapes_what_does_not_print_as_itself(text: str, expected: str) -> None:
    assert shown_text(text) == expected
    assert shown_text(text).isprintable()


def test_shown_path_quotes_an_escaped_path_and_doubles_its_backslashes() -> None:
    assert shown_path("a\\b\x1b") == r"'a\\b\x1b'"
    assert shown_path("it's\x1b") == '"it\'s\\x1b"'
    assert shown_path("") == "''"


def test_an_undecodable_byte_of_a_path_is_shown_as_that_byte() -> None:
    raw = b"caf\xe9\x1b.txt"
    assert shown_path(raw) == r"'caf\xe9\x1b.txt'"
    assert shown_path(os.fsdecode(raw)) == r"'caf\xe9\x1b.txt'"


def test_every_code_point_comes_out_printable() -> None:
    # Every non-printable character in the BMP and the first astral planes, and the surrogates.
    for code in range(0x30000):
        shown = shown_text(chr(code))
        assert shown.isprintable(), hex(code)
