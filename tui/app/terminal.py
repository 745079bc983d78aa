"""What the app needs of its terminal, and how it leaves it.

The app draws on a terminal and reads keys from one: with stdin or stdout redirected it
would wait for keys that never come while writing escape codes into a file, so it
refuses to start instead. Textual draws on stderr, so that is checked too.

A signal that ends the app goes through Textual's exit, which leaves the alternate screen,
turns mouse tracking off and restores the terminal's modes; the exit status is the
shell's 128 + the signal number. SIGINT and SIGQUIT arrive only from `kill` (the app
reads ctrl+c and ctrl+\\ as keys); SIGTERM from `kill` too, SIGHUP from a dropped link.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import TextIO

EXIT_NO_TERMINAL = 2
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or not a real file
        return False


def missing_terminal() -> str | None:
    """Why the app cannot run here (one line), or None when it can."""
    if os.environ.get("TEXTUAL_DRIVER"):
        # Another driver draws the app (textual-serve's web driver talks over pipes).
        return None
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout), ("stderr", sys.stderr)):
        if not _is_terminal(stream):
            return (
                f"the app needs a terminal ({name} is not a tty); run it in a terminal, "
                "or use a subcommand such as `bigram-tui stats` (see bigram-tui --help)"
            )
    return None


def refuse_without_terminal() -> int | None:
    """Say why and return the exit status when there is no terminal; None when there is one."""
    problem = missing_terminal()
    if problem is None:
        return None
    if sys.stderr is not None:
        print(f"bigram-tui: {problem}", file=sys.stderr)
    return EXIT_NO_TERMINAL
