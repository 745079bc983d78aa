"""Textual's terminal driver, made to survive bytes that are not UTF-8.

Textual decodes the keyboard with a strict incremental UTF-8 decoder, so one stray
byte (a Latin-1 terminal typing é, `tmux send-keys -H e9`) raised UnicodeDecodeError
in its input thread and ended the app. Here such bytes become U+FFFD, which the
panes treat as any other character they do not know.
"""

from __future__ import annotations

import codecs
import functools
import sys
from collections.abc import Callable

from textual import constants
from textual.driver import Driver


def _lenient_decoder(encoding: str) -> Callable[..., codecs.IncrementalDecoder]:
    return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")


def terminal_driver() -> type[Driver] | None:
    """The driver for BigramApp; None leaves Textual's choice (on Windows, or $TEXTUAL_DRIVER)."""
    if sys.platform == "win32" or constants.DRIVER:
        return None
    from textual.drivers import linux_driver

    class LenientLinuxDriver(linux_driver.LinuxDriver):
        def run_input_thread(self) -> None:
            # Textual builds its decoder from this module-level name as the thread starts.
            linux_driver.getincrementaldecoder = _lenient_decoder  # type: ignore[assignment]
            super().run_input_thread()

    return LenientLinuxDriver
