"""The CLI's exit statuses and its own errors; each error's message is the one line it prints.

0 success; 1 internal error (a bug: "report it"); 2 bad input (arguments, data, model
files, a refused --save path, a diverged run), even when stderr cannot take its line; 74
the output could not be written (EX_IOERR: a full disk under --save, stdout or --help to a
full device, a closed stdout); 130 interrupted (Ctrl-C); 141 the reader of a
pipe left (128 + SIGPIPE); 128 + N when signal N (SIGTERM, SIGHUP, SIGQUIT) stopped a save.
"""

from __future__ import annotations

import contextlib
import os
import sys

from bigram_tui.core.display import shown_text
from bigram_tui.core.errors import BigramTuiError

PROG = "bigram-tui"
DEBUG_ENV_VAR = "BIGRAM_TUI_DEBUG"

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_OUTPUT = 74  # EX_IOERR of sysexits.h
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a C tool killed by the closed pipe reports


class UsageError(BigramTuiError):
    """Bad input found after parsing; the message is one line, 'what is wrong; how to fix'."""


class OutputError(Exception):
    """Standard output cannot be written (a full disk, a closed stream); not a bug."""


class SaveStopped(BaseException):
    """SIGTERM, SIGHUP or SIGQUIT arrived during a save; the temporary file is removed as it
    unwinds."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def fail(message: str) -> None:
    """Print `message` as the CLI's one error line. If stderr is closed or full the line is
    lost, but the exit status still says what happened."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        print(f"{PROG}: {shown_text(' '.join(message.split()))}", file=stream, flush=True)
    except (OSError, ValueError):
        # Pointed at /dev/null, so that Python's last flush at exit cannot fail again.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def write_output(text: str) -> None:
    """Write `text` and a newline to stdout; a failure is an OutputError, a closed pipe not."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed")
    try:
        print(text, file=stream)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from None


def flush_output() -> None:
    if sys.stdout is None:
        raise OutputError("standard output is closed")
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(exc.strerror or str(exc)) from None


def silence_stdout() -> None:
    """After a failed write: send what is still buffered to /dev/null.

    Without this, Python's final flush of stdout would fail again and print an
    "Exception ignored" message (the recipe of the `signal` module's documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (a test's capture, or closed): nothing will flush
