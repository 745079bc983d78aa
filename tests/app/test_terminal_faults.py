"""The real binary under faults of its terminal: no tty, bytes that are not UTF-8, signals."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_robust_terminal import ALT_SCREEN_OFF, ALT_SCREEN_ON, Session, script, started

MOUSE_OFF = b"\x1b[?1000l"  # Textual's first "stop reporting the mouse"
MOUSE_ON = b"\x1b[?1000h"


def after_last_start(session: Session) -> bytes:
    return session.output.split(ALT_SCREEN_ON)[-1]


@pytest.mark.parametrize("stream", ["stdin", "stdout", "stderr"])
def test_without_a_terminal_the_app_says_so_and_exits_2(names_path: Path, stream, tmp_path):
    """bigram-tui --data F </dev/null >out 2>err: one line, exit 2, no escape codes."""
    out, err = tmp_path / "out", tmp_path / "err"
    with open(os.devnull, "rb") as devnull, out.open("wb") as out_file, err.open("wb") as err_file:
        if stream == "stdin":
            streams = {"stdin": devnull, "stdout": out_file, "stderr": err_file}
        else:  # the other streams on a pty, only this one redirected
            leader, follower = os.openpty()
            tty = os.fdopen(follower, "r+b", buffering=0)
            streams = {"stdin": tty, "stdout": tty, "stderr": tty, stream: out_file}
        started_at = time.monotonic()
        done = subprocess.run(
            [script(), "--data", str(names_path)], **streams, timeout=30, check=False
        )
        on_terminal = b""
        if stream != "stdin":
            tty.close()
            while select.select([leader], [], [], 0.2)[0]:
                try:
                    on_terminal += os.read(leader, 1 << 16)
                except OSError:  # EIO: nothing more
                    break
            os.close(leader)
    assert done.returncode == 2
    assert time.monotonic() - started_at < 20
    written = out.read_bytes() + err.read_bytes() + on_terminal.replace(b"\r\n", b"\n")
    assert b"\x1b" not in written
    lines = written.decode().splitlines()
    assert len(lines) == 1, lines
    assert f"{stream} is not a tty" in lines[0] and "bigram-tui stats" in lines[0]


def test_bytes_that_are_not_utf8_do_not_end_the_app(names_path: Path):
    """\\xe9\\xff (Latin-1 é, a stray byte): the app keeps running, and quits on q with 0."""
    session = Session(names_path, {"TERM": "xterm-256color"})
    try:
        started(session)
        os.write(session.fd, b"\xe9\xff")
        time.sleep(0.5)
        os.write(session.fd, b"2")  # a real key: the Word pane
        session.read(until=b"Edit word", timeout=10)
        assert not session.poll(), session.output[-2000:]
        assert b"Edit word" in after_last_start(session)
        os.write(session.fd, b"q")
        assert session.wait(10), "the app did not quit within 10 s of q"
    finally:
        session.close()
    assert session.status == 0
    assert b"Traceback" not in session.output and b"UnicodeDecodeError" not in session.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGQUIT], ids=["SIGINT", "SIGQUIT"])
def test_sigint_and_sigquit_restore_the_terminal(names_path: Path, signum: int) -> None:
    """kill -INT gives 130 and kill -QUIT 131, each after leaving the alternate screen."""
    session = Session(names_path, {"TERM": "xterm-256color"})
    try:
        started(session)
        assert MOUSE_ON in session.output
        os.kill(session.pid, signum)
        assert session.wait(10), "the app did not end within 10 s of the signal"
    finally:
        session.close()
    assert session.status == 128 + signum
    assert b"Traceback" not in session.output
    tail = after_last_start(session)
    assert ALT_SCREEN_OFF in tail
    assert MOUSE_OFF in tail.split(MOUSE_ON)[-1]


def test_a_served_app_needs_no_terminal(monkeypatch):
    """textual-serve runs each tab's app over pipes with its web driver: not refused."""
    from bigram_tui.tui.app.terminal import missing_terminal

    monkeypatch.setattr(sys, "stdin", None)
    assert missing_terminal() is not None
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    assert missing_terminal() is None
