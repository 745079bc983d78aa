"""Tiny and huge terminals, odd TERM settings, and signals sent to the real binary under a pty."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest
from textual import events
from textual.geometry import Size
from textual.widgets import Tabs

from bigram_tui.tui.app.app import MIN_SIZE
from bigram_tui.tui.app.loss_plot import LossPlot
from bigram_tui.tui.app.train_pane import RUNNING, TrainPane

from .helpers import (
    PANE_IDS,
    press_now,
    run_loaded,
    start_long_run,
    text_of,
    until,
)

ALT_SCREEN_ON = b"\x1b[?1049h"
ALT_SCREEN_OFF = b"\x1b[?1049l"
SIZES = [(20, 8), (40, 12), (200, 60)]


async def resize(pilot, width: int, height: int) -> None:
    """What Pilot.resize_terminal does, without its wait for an idle CPU."""
    size = Size(width, height)
    pilot.app._driver._size = size  # the headless driver's idea of the terminal
    pilot.app.post_message(events.Resize(size, size))
    await asyncio.sleep(0.05)
    for _ in range(100):  # until the screen has taken the new size
        if pilot.app.screen.size == size:
            break
        await asyncio.sleep(0.02)


def check_size(app, width: int, height: int) -> None:
    too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
    assert app.screen.has_class("-too-small") == too_small, (width, height)
    if too_small:
        message = text_of(app, "#too-small")
        assert f"Terminal too small: {width}×{height}" in message
        assert f"at least {MIN_SIZE[0]}×{MIN_SIZE[1]}" in message
        assert not app.query_one("#panes").display
    else:
        assert app.query_one("#panes").display


def test_resizing_through_every_pane_and_back(names_path: Path) -> None:
    """20×8, 40×12 and 200×60 in turn, on every pane: a message when small, panes when not."""

    async def main(app, pilot) -> None:
        for key, pane in PANE_IDS.items():
            await pilot.press(key)
            for width, height in SIZES:
                await resize(pilot, width, height)
                check_size(app, width, height)
            assert app.query_one(Tabs).active == f"tab-{pane}"
            assert app.query_one(f"#{pane}").display
        for width, height in SIZES * 2:  # again and again on one pane
            await resize(pilot, width, height)
            check_size(app, width, height)
        await pilot.press("2")  # the app keys still work after all that
        assert app.query_one(Tabs).active == "tab-word"

    run_loaded(names_path, main, size=(100, 30))


def test_resizing_during_training(names_path: Path) -> None:
    """Resizes while the worker trains: training goes on, the app keeps answering."""

    async def main(app, pilot) -> None:
        await pilot.press("3")
        pane = app.query_one(TrainPane)
        await start_long_run(pilot)
        for _ in range(3):
            for width, height in SIZES:
                await resize(pilot, width, height)
                check_size(app, width, height)
        assert pane.state == RUNNING
        reached = pane.run.epoch
        await asyncio.sleep(0.2)
        assert pane.run.epoch > reached > 0
        # 1 then 3 gives the plot its focus back (see the focus test below); space pauses.
        tabs = app.query_one(Tabs)
        await press_now(pilot, "1")
        await until(None, lambda: tabs.active == "tab-counts")
        await press_now(pilot, "3")
        await until(None, lambda: app.focused is pane.query_one(LossPlot))
        await press_now(pilot, "space")
        await until(None, lambda: pane.state != RUNNING)

    run_loaded(names_path, main, size=(120, 36))


def test_pane_keys_work_again_after_a_too_small_terminal(names_path: Path) -> None:
    """After shrinking below the minimum and growing back, the pane's keys answer again."""

    async def main(app, pilot) -> None:
        await pilot.press("3")
        pane = app.query_one(TrainPane)
        await resize(pilot, 20, 8)
        await resize(pilot, 120, 36)
        await pilot.press("n")
        assert pane.run.epoch == 1

    run_loaded(names_path, main, size=(120, 36))


# --- the real binary under a pseudo-terminal ------------------------------------------------------


def script() -> str:
    path = shutil.which("bigram-tui") or str(Path(sys.executable).with_name("bigram-tui"))
    if not Path(path).is_file():
        pytest.skip("the bigram-tui console script is not installed")
    return path


class Session:
    """The app started in a pty of 100×30, its output collected as it comes."""

    def __init__(self, names_path: Path, env: dict[str, str]) -> None:
        full_env = {k: v for k, v in os.environ.items() if k not in ("BIGRAM_TUI_DEBUG",)}
        full_env.pop("NO_COLOR", None)
        full_env.update(env)
        argv = [script(), "--data", str(names_path)]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the app
            try:
                os.execve(argv[0], argv, full_env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.output = b""
        self.status: int | None = None

    def read(self, until: bytes | None = None, timeout: float = 60.0) -> None:
        """Collect output until `until` appears, the child exits, or the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if until is not None and until in self.output:
                return
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except OSError:  # EIO: the child closed its side of the pty
                    chunk = b""
                self.output += chunk
                if not chunk and self.poll():
                    return
            elif self.poll():
                return

    def poll(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(timeout=0.1)
            if self.poll():
                self.read(timeout=0.2)  # what is still in the pty
                return True
        return False

    def close(self) -> None:
        if not self.poll():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def started(session: Session) -> None:
    """Wait until the model has loaded: the status line shows the token count."""
    ready = "32,033 words · ".encode()  # the status once loaded; "counting: … words…" before
    session.read(until=ready)
    assert ready in session.output, session.output[-500:]
    time.sleep(0.2)


@pytest.mark.parametrize(
    "env",
    [{"TERM": "xterm-256color"}, {"TERM": "dumb"}, {"TERM": "xterm-256color", "NO_COLOR": "1"}],
    ids=["xterm-256color", "dumb", "no-color"],
)
def test_the_binary_starts_and_quits_cleanly(names_path: Path, env: dict[str, str]) -> None:
    """Under each TERM, the app draws, quits on q, and restores the terminal."""
    session = Session(names_path, env)
    try:
        started(session)
        assert ALT_SCREEN_ON in session.output
        os.write(session.fd, b"q")
        assert session.wait(10), "the app did not quit within 10 s of q"
    finally:
        session.close()
    assert session.status == 0
    assert b"Traceback" not in session.output
    assert ALT_SCREEN_OFF in session.output.split(ALT_SCREEN_ON)[-1]
    if "NO_COLOR" in env:
        # Textual honours NO_COLOR by drawing in greys only: no hue reaches the terminal.
        indices = {int(n) for n in re.findall(rb"\x1b\[[0-9;]*?[34]8;5;(\d+)", session.output)}
        assert indices <= {0, 7, 8, 15, 16, 231, *range(232, 256)}, sorted(indices)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signals_end_the_app_and_restore_the_terminal(names_path: Path, signum: int) -> None:
    """SIGTERM, or SIGHUP from a dropped SSH link: exit promptly, no traceback, screen restored."""
    session = Session(names_path, {"TERM": "xterm-256color"})
    try:
        started(session)
        os.kill(session.pid, signum)
        assert session.wait(10), "the app did not end within 10 s of the signal"
    finally:
        session.close()
    assert b"Traceback" not in session.output
    assert ALT_SCREEN_OFF in session.output.split(ALT_SCREEN_ON)[-1]
    assert session.status == 128 + signum  # the shell convention for "ended by a signal"
