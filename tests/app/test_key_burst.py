"""Keys that arrive in one read reach a text field in the order they were typed.

Textual 8.2.8 alone loses the order: a printable key is inserted by the focused Input at
once, a bound key (backspace) only after bubbling up to the App, so `ord`, backspace, `xy`
in one read gives `ordx`. The real binary under a pty, each burst in one write.
"""

from __future__ import annotations

import pytest

from tests.bench.pty_terminal import PtyTerminal

from .test_escape_keys import READY, app_command, word_row

pytest.importorskip("pyte")


@pytest.mark.parametrize(
    "burst, shown",
    [
        ("ord\x7fxy", "orxy"),  # the bytes
        ("emma\x7f\x7f\x7fva", "eva"),
        ("ab\x1b[Dc\x7f\x7fz", "zb"),  # left arrow, then backspaces: bound keys in a row
    ],
    ids=["ord-bs-xy", "three-backspaces", "arrow-and-backspaces"],
)
def test_a_burst_of_keys_in_the_word_field_keeps_its_order(names_path, burst, shown) -> None:
    with PtyTerminal(app_command(names_path), cols=120, rows=40) as term:
        assert term.wait_for_text(READY, 60) is not None, "the model never loaded"
        term.press("2")
        assert term.wait_for_text("surprise", 5) is not None, "the Word pane did not show"
        term.press("e")  # into the field, its text selected: the first key replaces it
        term.drain(0.5)
        term.press(burst)  # one write: one read in the app
        term.drain(1.0)
        assert term.wait_until(lambda: f" {shown} " in word_row(term) + " ", 5) is not None, (
            word_row(term)
        )


def test_a_burst_in_the_command_palette_keeps_its_order(names_path) -> None:
    """ctrl+p, `order`, five backspaces, `train`, in one write: the search box says `train`."""
    with PtyTerminal(app_command(names_path), cols=120, rows=40) as term:
        assert term.wait_for_text(READY, 60) is not None, "the model never loaded"
        term.press("\x10")
        term.drain(0.5)
        term.press("order" + "\x7f" * 5 + "train")
        term.drain(1.0)
        screen = term.text()
        box = next((line for line in screen.splitlines() if "🔎" in line or "train" in line), "")
        assert "train" in box and "order" not in box and "ortra" not in box, screen
