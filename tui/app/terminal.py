"""What the app needs of its terminal, and how it leaves it.

The app draws on a terminal and reads keys from one: with stdin or stdout redirected it
would wait for keys that never come while writing escape codes into a file, so it
refuses to start instead. Textual draws on stderr, so that is checked too.

A signal that ends the app goes through Textual's exit, which leaves the alternate screen,
turns mouse tracking off and restores the terminal's modes; the exit status is the
shell's 128 + the signal number. SIGINT and SIGQUIT arrive only from `kill` (the app
reads ctrl+c and ctrl+\\ as keys); SIGTERM from `kill` too, SIGHUP from a dropped link.

That exit is not always prompt, and may never end: while a thread imports torch (its
libraries load with the GIL held), while Textual's shutdown waits on a writer thread that
died on the closed terminal, or while Python joins a worker thread that has not yet seen
its cancel. So the first such signal, or the terminal's loss, also starts `exit_guard`: if
the process still lives after GRACE_SECONDS it ends at once with the same status
(os._exit, after writing the terminal's reset), and should even that thread not get to
run, SIGALRM's default action ends it from the kernel at HARD_LIMIT_SECONDS.
"""

from __future__ import annotations

import os
import signal
import sys
import termios
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TextIO

EXIT_NO_TERMINAL = 2
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGQUIT)
EXIT_HANGUP = 128 + signal.SIGHUP  # the terminal went away without a signal (or before it)
GRACE_SECONDS = 0.6  # Textual's own exit, which restores the terminal, gets this long
HARD_LIMIT_SECONDS = 1.2  # within the 2 s a hang-up may take, whatever holds the GIL
# What Textual's exit would write: leave the alternate screen, show the cursor, stop the
# mouse, the kitty keyboard, focus and bracketed-paste reports. Said to a terminal still
# there; to a closed one it is lost, which is fine.
TERMINAL_RESET = (
    b"\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l\x1b[?2004l"
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?7h"
)


class ExitGuard:
    """Turns an ending signal into Textual's exit, and makes sure the process ends soon after."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: int | None = None  # set once leaving has begun
        self._request_exit: Callable[[int], None] | None = None
        self._modes: list[Any] | None = None  # termios.tcgetattr's

    def install(self, request_exit: Callable[[int], None]) -> None:
        """On the main thread: EXIT_SIGNALS now call `request_exit(128 + signal)`.

        A handler of signal.signal, not the event loop's add_signal_handler: that one
        runs only when the loop gets a turn, and a loop stuck in Textual's shutdown
        never does, so the guard would never start.
        """
        self._request_exit = request_exit
        for signal_number in EXIT_SIGNALS:
            signal.signal(signal_number, self._on_signal)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the backstop: the kernel ends us

    def remember_terminal(self) -> None:
        """Before the app starts: the modes to give back should the guard end the process."""
        try:
            self._modes = termios.tcgetattr(sys.stdin.fileno())
        except (termios.error, OSError, ValueError, AttributeError):
            self._modes = None

    def _on_signal(self, signal_number: int, _frame: FrameType | None) -> None:
        self.leave(128 + signal_number)

    def leave(self, status: int) -> None:
        """From any thread: exit with `status`, within HARD_LIMIT_SECONDS whatever happens."""
        with self._lock:
            if self._status is not None:
                return  # leaving already; a second signal changes nothing
            self._status = status
        signal.setitimer(signal.ITIMER_REAL, HARD_LIMIT_SECONDS)
        threading.Thread(target=self._end_after_grace, name="exit-guard", daemon=True).start()
        if self._request_exit is not None:
            self._request_exit(status)

    def _end_after_grace(self) -> None:
        threading.Event().wait(GRACE_SECONDS)
        # Still here: Textual's exit is stuck. Give the terminal back its modes and say the
        # reset ourselves (should a write block, the alarm ends us), then end every thread
        # with the process: os._exit waits for none of them.
        try:
            if self._modes is not None:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._modes)
            os.write(sys.stdout.fileno(), TERMINAL_RESET)
        except (termios.error, OSError, ValueError, AttributeError):
            pass  # the terminal is gone: nothing to give back
        os._exit(self._status if self._status is not None else EXIT_HANGUP)


exit_guard = ExitGuard()  # one per process: signals are too


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
