"""Escape then a digit arriving in one read (fast typing, SSH) is escape then the digit.

The real binary under a pty: Textual alone reads ESC+3 as Option+3 and the field gets `£`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.bench.pty_terminal import PtyTerminal

pytest.importorskip("pyte")

READY = "32,033 words"
TRAIN_MARKER = "epochs/s"  # the Train pane's status line
WORD_LINE = "word "  # the Word pane's entry row: "word ▊ andrejq"


def app_command(names_path: Path) -> list[str]:
    script = Path(sys.executable).with_name("bigram-tui")
    found = str(script) if script.exists() else shutil.which("bigram-tui")
    if found is None:
        pytest.skip("the bigram-tui console script is not installed (pip install -e .)")
    return [found, "--data", str(names_path)]


def word_row(term: PtyTerminal) -> str:
    return next((line for line in term.text().splitlines() if WORD_LINE in line), "")


@pytest.mark.parametrize("digit, marker", [("3", TRAIN_MARKER), ("1", "counts N[i,j]")])
def test_escape_and_digit_in_one_write_leave_the_field(names_path, digit, marker) -> None:
    with PtyTerminal(app_command(names_path), cols=120, rows=40) as term:
        assert term.wait_for_text(READY, 60) is not None, "the model never loaded"
        term.press("2")
        assert term.wait_for_text("surprise", 5) is not None, "the Word pane did not show"
        term.press("e")  # into the field, its text selected
        term.drain(0.5)
        term.type("emma", gap=0.05)
        assert term.wait_until(lambda: "emma" in word_row(term), 5) is not None
        term.press("\x1b" + digit)  # one write: as one read in the app
        assert term.wait_for_text(marker, 5) is not None, f"pane {digit} did not show"
        term.drain(0.3)
        term.press("2")  # a pane key again: the field must have let go
        assert term.wait_until(lambda: "emma" in word_row(term), 5) is not None
        row = word_row(term)
        assert "£" not in row and "¡" not in row
        assert "emma2" not in row and f"emma{digit}" not in row
