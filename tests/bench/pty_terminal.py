"""Run a program under a pseudo-terminal and watch what it paints, with timestamps.

The app is measured as a user sees it: the real console script, a real tty of a fixed size,
TERM=xterm-256color. Bytes read from the pty master are timed as they arrive and fed to
`pyte` (a VT100 emulator) so that "text X is on screen" means what it says, even though
Textual only rewrites the cells that changed. Without pyte, text is searched for in the
raw stream with escape sequences stripped, which works for whole text runs only.

A thread reads the pty and stamps each chunk as it arrives; the bench parses it after. So
"when text X appeared" is when the bytes that drew it arrived, however long pyte (pure
Python, ~15 ms per 4 KiB on a busy 2-core machine) then takes: a full-screen frame is not
made slower by the bench's own parser.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import re
import signal
import struct
import termios
import threading
import time
from collections.abc import Callable, Sequence

try:
    import pyte
except ImportError:  # the optional `bench` extra
    pyte = None

_ESCAPES = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[P_^][^\x1b]*\x1b\\|.)"
)

KEYS = {
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "space": " ",
    "enter": "\r",
    "tab": "\t",
    "escape": "\x1b",
    "backspace": "\x7f",
    "home": "\x1b[H",
    "end": "\x1b[F",
}


def set_window_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class PtyTerminal:
    """One child process on a fresh pty; `started` is the monotonic time just before fork."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cols: int = 120,
        rows: int = 40,
        env: dict[str, str] | None = None,
    ) -> None:
        environment = dict(os.environ if env is None else env)
        environment["TERM"] = "xterm-256color"
        environment.pop("COLUMNS", None)
        environment.pop("LINES", None)
        self.cols, self.rows = cols, rows
        self.started = time.perf_counter()
        pid, fd = os.forkpty()
        if pid == 0:  # the child: size its tty before anything can ask, then become argv
            try:
                set_window_size(0, rows, cols)
                os.execve(argv[0], list(argv), environment)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.total_bytes = 0
        self.first_byte_at: float | None = None
        self.chunks: list[tuple[float, int]] = []  # (arrival time, size) of every read
        self.raw = bytearray()
        self.closed = False
        self.exit_status: int | None = None
        self.last_arrival: float | None = None  # when the chunk parsed last arrived
        if pyte is not None:
            self.screen = pyte.Screen(cols, rows)
            self.stream = pyte.ByteStream(self.screen)
        self._arrivals: queue.Queue[tuple[float, bytes]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """The reader thread: every chunk with its arrival time; b"" once the child is gone."""
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the child closed its side of the pty (or we closed ours)
                data = b""
            self._arrivals.put((time.perf_counter(), data))
            if not data:
                return

    # Reading ---------------------------------------------------------------------------

    def pump(self, timeout: float) -> int:
        """Parse the next chunk that arrives within `timeout` seconds."""
        if self.closed:
            time.sleep(max(timeout, 0))
            return 0
        try:
            now, data = self._arrivals.get(timeout=max(timeout, 0))
        except queue.Empty:
            return 0
        if not data:
            self.closed = True
            return 0
        self.last_arrival = now
        if self.first_byte_at is None:
            self.first_byte_at = now
        self.total_bytes += len(data)
        self.chunks.append((now, len(data)))
        self.raw += data
        if pyte is not None:
            self.stream.feed(data)
        return len(data)

    def drain(self, seconds: float) -> None:
        """Keep reading for `seconds`: the child blocks if nobody empties the pty."""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            self.pump(left)

    def text(self) -> str:
        if pyte is not None:
            return "\n".join(self.screen.display)
        return _ESCAPES.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> float | None:
        """When `condition` first held: the arrival of the chunk that made it hold (checked
        after every chunk), or now if it held already; None if it never did."""
        deadline = time.perf_counter() + timeout
        arrived: float | None = None
        while True:
            if condition():
                return arrived if arrived is not None else time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0 or self.closed:
                return None
            if self.pump(min(left, 0.05)):
                arrived = self.last_arrival

    def wait_for_text(self, needle: str, timeout: float) -> float | None:
        return self.wait_until(lambda: needle in self.text(), timeout)

    def wait_for_first_paint(self, timeout: float) -> float | None:
        """The first moment any non-blank character is on screen."""
        return self.wait_until(lambda: bool(self.text().strip()), timeout)

    # Writing ---------------------------------------------------------------------------

    def press(self, key: str) -> float:
        """Send one key (a name from KEYS or literal text); returns when it was written."""
        os.write(self.fd, KEYS.get(key, key).encode())
        return time.perf_counter()

    def type(self, text: str, gap: float = 0.02) -> None:
        for char in text:
            self.press(char)
            self.drain(gap)

    # The process -----------------------------------------------------------------------

    def peak_rss_kib(self) -> int | None:
        """VmHWM: the child's peak resident set size so far."""
        with contextlib.suppress(OSError), open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def close(self, quit_key: str | None = "q", timeout: float = 3.0) -> None:
        """Ask the app to quit, then end the child (only this child) if it lingers."""
        if self.exit_status is None and quit_key is not None and not self.closed:
            with contextlib.suppress(OSError):
                self.press(quit_key)
        deadline = time.perf_counter() + timeout
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, sig)
                deadline = time.perf_counter() + 2.0
            while time.perf_counter() < deadline:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.exit_status = status
                    break
                self.pump(0.05)
            if self.exit_status is not None:
                break
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self.closed = True

    def __enter__(self) -> PtyTerminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
