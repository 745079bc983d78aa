"""After SIGHUP, SIGTERM or a closed terminal, at any moment, the process is gone within 2 s.

The real process (`python -m bigram_tui.tui.cli.main`) in a real pty, each state reached by
its keys: loading (torch imports while the first frame shows), training, a λ sweep, and a
save just confirmed. Closing the pty's master is what a killed tmux server or a dropped SSH
link does. Nothing of the process may remain: not it, nor a child in its process group.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

LIMIT_SECONDS = 2.0
READY = b"32,033 words"


class App:
    def __init__(self, names_path: Path, tmp_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "BIGRAM_TUI_DEBUG"}
        env["TERM"] = "xterm-256color"
        argv = [sys.executable, "-m", "bigram_tui.tui.cli.main", "--data", str(names_path)]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.chdir(tmp_path)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.output = b""
        self.fd_open = True
        self.status: int | None = None

    def read_until(self, needle: bytes, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output and time.monotonic() < deadline:
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    self.output += os.read(self.fd, 1 << 16)
                except OSError:
                    break
        assert needle in self.output, self.output[-300:]

    def keys(self, data: bytes, settle: float = 0.3) -> None:
        os.write(self.fd, data)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            if select.select([self.fd], [], [], 0.05)[0]:
                self.output += os.read(self.fd, 1 << 16)

    def hang_up(self, how: str) -> float:
        """Signal or close; returns how long the process took to be gone (inf: it was not)."""
        start = time.monotonic()
        if how == "close":
            os.close(self.fd)
            self.fd_open = False
        else:
            os.kill(self.pid, getattr(signal, how))
        while time.monotonic() - start < LIMIT_SECONDS + 3:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return time.monotonic() - start
            if self.fd_open and select.select([self.fd], [], [], 0.02)[0]:
                with contextlib.suppress(OSError):  # keep the pty drained, as a terminal would
                    self.output += os.read(self.fd, 1 << 16)
            else:
                time.sleep(0.02)
        return float("inf")

    def close(self) -> None:
        if self.status is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.fd_open:
            os.close(self.fd)


def loading(app: App) -> None:
    app.read_until(b"loading")  # the first frame: torch is being imported behind it


def training(app: App) -> None:
    app.read_until(READY)
    app.keys(b"3")
    app.keys(b" ", settle=0.5)


def sweeping(app: App) -> None:
    app.read_until(READY)
    app.keys(b"5", settle=0.5)
    app.keys(b"l", settle=0.5)


def saving(app: App) -> None:
    app.read_until(READY)
    app.keys(b"3")
    app.keys(b"n")  # one epoch: a net to save
    app.keys(b"w")
    app.read_until(b"Save the model", timeout=5)
    os.write(app.fd, b"\r")  # the default model.pt, in the test's folder


STATES = {"loading": loading, "training": training, "sweeping": sweeping, "saving": saving}


@pytest.mark.parametrize("how", ["SIGHUP", "SIGTERM", "close"])
@pytest.mark.parametrize("state", list(STATES))
def test_the_process_is_gone_within_2_s(names_path: Path, tmp_path: Path, state, how) -> None:
    app = App(names_path, tmp_path)
    try:
        STATES[state](app)
        took = app.hang_up(how)
    finally:
        app.close()
    assert took <= LIMIT_SECONDS, f"{how} while {state}: still alive after {took:.2f} s"
    signalled = 128 + (signal.SIGHUP if how == "close" else getattr(signal, how))
    # Killed by the signal itself (before the app installs its handlers) or exited with 128+n.
    assert app.status in (signalled, -(signalled - 128)), app.status
    with pytest.raises(ProcessLookupError):  # the app's process group is empty: no orphan
        os.killpg(app.pid, 0)
    assert b"Traceback" not in app.output
