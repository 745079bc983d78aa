"""Data for the core's tests that other layers' tests use too: a vocabulary of 90 tokens."""

from __future__ import annotations

from pathlib import Path

# 89 characters: upper and lower case, digits, accented letters, a space, an emoji and a
# combining acute accent (which follows a letter, so it never starts a word).
WIDE_CHARS = (
    "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "0123456789"
    "àáâäçèéêëìíîïñòóôöùúûüÿß"
    " 😀\u0301"
)
TOKENS = len(WIDE_CHARS) + 1  # with '.'


def wide_words() -> list[str]:
    """Words that use every one of WIDE_CHARS, each at least twice."""
    base = [c for c in WIDE_CHARS if c not in " \u0301"]
    words = [f"{base[i]}{base[(i * 7 + 3) % len(base)]}e\u0301" for i in range(len(base))]
    words += [f"{c}a {c}b" for c in base]  # inner spaces are characters
    return words


def write_wide_words(directory: Path) -> Path:
    """wide_words() in `directory`/wide.txt, one a line; returns the file's path."""
    path = directory / "wide.txt"
    path.write_text("\n".join(wide_words()) + "\n", encoding="utf-8")
    return path
