"""A classroom on one machine: N browser tabs of `bigram-tui serve`, on loopback.

The real server on a free loopback port, and N websocket clients that do what textual-serve's
page does: fetch the printed URL's page (with its ?token=), open the websocket the page names
(/ws/<token>?width=120&height=40, Origin the server's own), then send keys as ["stdin", "…"].
The app's output comes back as binary frames of terminal output.

Each session types a key every 500 ms (a little jitter, so they do not fire together); a
quarter of them (N // 4) train: `3`, `r`, `space` (the Train pane from epoch 0, at its default
pace), then switch between Sample and Train (4, 3), so that their plot is on screen half the
time. The others move the Counts grid's cursor (l, h). A key's latency runs from just before
its message is sent to the arrival of the frame that completes the text the key shows (the
grid's cell read-out, or the pane's header), searched for in the frames, escapes stripped.

N steps up (1, 2, 4, 8, …), the sessions of a step staying open for the next, until the key
p90 passes 100 ms, or the next step's sessions would not fit in MemAvailable, or the run's
time budget is spent. Memory is read from /proc for every app process: RSS, PSS (shared pages
split between the processes that map them) and private memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .pty_terminal import _ESCAPES
from .results import Row, log, median, not_measured, percentile, seconds, yes_no

FIGURE = "serve: sessions with key p90 ≤ 100 ms"
GOAL = "largest N, p90 ≤ 100 ms, fits memory"
APP_MODULE = "bigram_tui.tui.cli.main"  # as tui/cli/serve.py runs each tab's app
COLS, ROWS = 120, 40
KEY_PERIOD = 0.5
KEY_TIMEOUT = 3.0  # a key whose text never came back counts as this long
READY_TIMEOUT = 180.0  # N apps importing torch at once on 2 cores
LIMIT = 0.100
CELL = re.compile(r"'(.)' after '([^']+)'")
TRAIN_MARKER = "epochs/s"
COUNTS_MARKER = "counts N[i,j]"
SAMPLE_MARKER = "sampler "


@dataclass(frozen=True)
class Settings:
    data: Path
    quick: bool
    ready_marker: str  # "32,033 words · ": the model is ready
    labels: tuple[str, ...]  # the Counts grid's columns, '.' first

    @property
    def window(self) -> float:
        return 6.0 if self.quick else 12.0

    @property
    def max_sessions(self) -> int:
        return 4 if self.quick else 32

    @property
    def budget(self) -> float:
        return 100.0 if self.quick else 300.0


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[str]
    port: int
    token: str | None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def running_server(data: Path, max_sessions: int):
    port = free_port()
    command = [sys.executable, "-m", APP_MODULE, "--data", str(data), "serve"]
    command += ["--port", str(port), "--max-sessions", str(max_sessions)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # its own group: ended below by its id, with its apps
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # "bigram-tui: serving the app on URL (…)"
        if " on " not in first:
            raise RuntimeError(f"bigram-tui serve did not start: {first.strip()!r}")
        url = first.split(" on ", 1)[1].split()[0]
        token = parse_qs(urlsplit(url).query).get("token", [None])[0]
        deadline = time.perf_counter() + 30
        while not _listening(port):
            if time.perf_counter() > deadline or process.poll() is not None:
                raise RuntimeError("bigram-tui serve never listened")
            time.sleep(0.1)
        yield Server(process, port, token)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # it ends every tab's app, then itself
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


# --- /proc ---------------------------------------------------------------------------------


def app_pids(server_pid: int) -> list[int]:
    """The server's children that run the app (one per open tab)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == server_pid and state != "Z" and APP_MODULE.encode() in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def memory_kib(pid: int) -> dict[str, int]:
    """Rss, Pss and private dirty memory (what no other process can share) of one process."""
    values = {"Rss": 0, "Pss": 0, "Private": 0}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                values[key] = int(rest.split()[0])
            elif key == "Private_Dirty":
                values["Private"] += int(rest.split()[0])
    return values


def mem_available_kib() -> int:
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def what_a_session_maps(pid: int) -> str:
    """The largest parts of one app's resident memory, by what is mapped (smaps)."""
    groups: dict[str, list[int]] = {}  # name -> [rss, private] kB
    name = "anonymous"
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            for line in smaps:
                head = line.split()
                if not head:
                    continue
                if "-" in head[0] and ":" not in head[0]:  # a mapping's first line
                    path = head[5] if len(head) > 5 else ""
                    name = _group(path)
                    continue
                if head[0] == "Rss:":
                    groups.setdefault(name, [0, 0])[0] += int(head[1])
                elif head[0] == "Private_Dirty:":
                    groups.setdefault(name, [0, 0])[1] += int(head[1])
    except OSError:
        return "its smaps could not be read"
    ranked = sorted(groups.items(), key=lambda item: -item[1][0])[:6]
    return ", ".join(
        f"{what} {rss / 1024:.0f} MiB ({private / 1024:.0f} private dirty)"
        for what, (rss, private) in ranked
    )


def _group(path: str) -> str:
    if not path or path.startswith("["):
        return "anonymous (heap: Python objects, tensors)" if path != "[stack]" else "stack"
    for marker, label in (
        ("/torch/", "torch's libraries"),
        ("/numpy", "numpy's libraries"),
        ("/site-packages/", "other packages' libraries"),
        ("python3", "Python and its stdlib"),
        ("libpython", "Python and its stdlib"),
    ):
        if marker in path:
            return label
    return "system libraries"


# --- one tab -------------------------------------------------------------------------------


@dataclass
class Tab:
    """One websocket session: its output, stamped as it arrives."""

    ws: object  # aiohttp.ClientWebSocketResponse
    opened: float
    raw: bytearray = field(default_factory=bytearray)
    arrivals: list[tuple[float, int]] = field(default_factory=list)  # (time, end offset)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False
    ready_at: float | None = None
    trainer: bool = False
    column: int = 1
    context: str = "."
    latencies: list[float] = field(default_factory=list)

    async def read(self) -> None:
        import aiohttp

        ws = self.ws
        assert isinstance(ws, aiohttp.ClientWebSocketResponse)
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.raw += message.data
                self.arrivals.append((time.perf_counter(), len(self.raw)))
                self.changed.set()
            elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
        self.closed = True
        self.changed.set()

    def text_since(self, offset: int) -> str:
        return self.text_between(offset, len(self.raw))

    async def wait_for(self, needle: str, since: int, timeout: float) -> float | None:
        """The arrival of the first frame after byte `since` that completes `needle`."""
        deadline = time.perf_counter() + timeout
        i = len(self.arrivals)
        while i > 0 and self.arrivals[i - 1][1] > since:
            i -= 1
        while True:
            while i < len(self.arrivals):
                at, end = self.arrivals[i]
                i += 1
                if needle in self.text_between(since, end):
                    return at
            left = deadline - time.perf_counter()
            if left <= 0 or self.closed:
                return None
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    def text_between(self, start: int, end: int) -> str:
        return _ESCAPES.sub(b"", bytes(self.raw[start:end])).decode("utf-8", "replace")

    async def send(self, text: str) -> tuple[float, int]:
        import aiohttp

        assert isinstance(self.ws, aiohttp.ClientWebSocketResponse)
        offset, sent = len(self.raw), time.perf_counter()
        await self.ws.send_json(["stdin", text])
        return sent, offset

    async def press(self, text: str, expected: str, timeout: float = KEY_TIMEOUT) -> float:
        sent, offset = await self.send(text)
        shown = await self.wait_for(expected, offset, timeout)
        return timeout if shown is None else shown - sent


async def open_tab(session: object, server: Server, settings: Settings) -> Tab:
    """As the page does: GET the printed URL, then the websocket it names."""
    import aiohttp

    assert isinstance(session, aiohttp.ClientSession)
    page_url = f"{server.origin}/" + (f"?token={server.token}" if server.token else "")
    async with session.get(page_url) as page:
        html = await page.text()
        if page.status != 200:
            raise RuntimeError(f"the page answered {page.status}: {html.strip()[:120]}")
    found = re.search(r'data-session-websocket-url="([^"]+)"', html)
    if found is None:
        raise RuntimeError("the page names no websocket URL")
    ws_url = found[1].replace("ws://", "http://", 1) + f"?width={COLS}&height={ROWS}"
    opened = time.perf_counter()
    ws = await session.ws_connect(ws_url, origin=server.origin, max_msg_size=0)
    tab = Tab(ws, opened)
    asyncio.get_running_loop().create_task(tab.read())
    at = await tab.wait_for(settings.ready_marker, 0, READY_TIMEOUT)
    if at is None:
        last = " ".join(tab.text_since(max(0, len(tab.raw) - 400)).split())[-200:]
        why = f"its websocket closed ({ws.close_code})" if tab.closed else "in time"
        raise RuntimeError(
            f"a tab's app never showed {settings.ready_marker!r}: {why}; last: {last!r}"
        )
    tab.ready_at = at
    await asyncio.sleep(0.3)
    cells = CELL.findall(tab.text_since(0))
    if cells and cells[-1][0] in settings.labels:
        tab.column, tab.context = settings.labels.index(cells[-1][0]), cells[-1][1]
    return tab


async def arm_trainer(tab: Tab) -> None:
    """The Train pane, W from epoch 0, running: `3`, `r`, `space`."""
    await tab.press("3", TRAIN_MARKER, 10.0)
    await tab.press("r", "re-initialised", 10.0)
    await tab.press(" ", "running", 10.0)


async def type_keys(tab: Tab, settings: Settings, until: float, rng: random.Random) -> None:
    """A key every KEY_PERIOD s until `until`; each latency is recorded."""
    labels = settings.labels
    next_at = time.perf_counter() + rng.uniform(0, KEY_PERIOD)
    on_sample = False
    while next_at < until and not tab.closed:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        if tab.trainer:
            key, expected = ("3", TRAIN_MARKER) if on_sample else ("4", SAMPLE_MARKER)
            on_sample = not on_sample
        else:
            step = 1 if tab.column + 1 < len(labels) and tab.column <= 1 else -1
            tab.column += step
            key = "l" if step > 0 else "h"
            expected = f"'{labels[tab.column]}' after '{tab.context}'"
        tab.latencies.append(await tab.press(key, expected))
        next_at += KEY_PERIOD + rng.uniform(-0.05, 0.05)


# --- the steps -----------------------------------------------------------------------------


@dataclass
class Step:
    sessions: int
    trainers: int
    p90: float
    p50: float
    trainer_p90: float | None
    presses: int
    lost: int
    ready_median: float  # time to the ready marker of the sessions opened for this step
    rss_kib: int  # the apps' total
    pss_kib: int
    private_kib: int
    server_rss_kib: int
    available_kib: int


async def _open_tabs(session: object, server: Server, settings: Settings, count: int) -> list[Tab]:
    """`count` new tabs at once; one that fails to open is tried once more (and counted)."""
    opened = await asyncio.gather(
        *(open_tab(session, server, settings) for _ in range(count)), return_exceptions=True
    )
    tabs = [tab for tab in opened if isinstance(tab, Tab)]
    failed = [error for error in opened if not isinstance(error, Tab)]
    for error in failed:
        log(f"  classroom: a tab failed to open ({error}); trying once more")
        tabs.append(await open_tab(session, server, settings))
    return tabs


async def _measure_step(
    server: Server, settings: Settings, tabs: list[Tab], new: list[Tab], rng: random.Random
) -> Step:
    n = len(tabs)
    trainers = n // 4
    for i, tab in enumerate(tabs):
        if tab.trainer and i >= trainers:  # a trainer of the last step types on the grid now
            await tab.press("1", COUNTS_MARKER, 10.0)
        tab.trainer = i < trainers
        tab.latencies = []
    await asyncio.gather(*(arm_trainer(t) for t in tabs if t.trainer))
    await asyncio.sleep(1.0)
    until = time.perf_counter() + settings.window
    await asyncio.gather(*(type_keys(t, settings, until, rng) for t in tabs))
    every = [v for t in tabs for v in t.latencies]
    of_trainers = [v for t in tabs if t.trainer for v in t.latencies]
    memories = [memory_kib(pid) for pid in app_pids(server.process.pid)]
    readies = [t.ready_at - t.opened for t in new if t.ready_at]
    step = Step(
        sessions=n,
        trainers=trainers,
        p90=percentile(every, 90) if every else KEY_TIMEOUT,
        p50=median(every) if every else KEY_TIMEOUT,
        trainer_p90=percentile(of_trainers, 90) if of_trainers else None,
        presses=len(every),
        lost=sum(v >= KEY_TIMEOUT for v in every),
        ready_median=median(readies) if readies else 0.0,
        rss_kib=sum(m["Rss"] for m in memories),
        pss_kib=sum(m["Pss"] for m in memories),
        private_kib=sum(m["Private"] for m in memories),
        server_rss_kib=memory_kib(server.process.pid)["Rss"],
        available_kib=mem_available_kib(),
    )
    log(
        f"  classroom: {n} session(s): p90 {seconds(step.p90)}, "
        f"RSS {step.rss_kib / 1024 / n:.0f} MiB/session"
    )
    return step


async def _close(tabs: list[Tab]) -> None:
    for tab in tabs:
        with contextlib.suppress(Exception):
            await tab.ws.close()  # type: ignore[attr-defined]


async def _classroom(server: Server, settings: Settings, started: float) -> tuple[list[Step], str]:
    """Double N until a limit; after a p90 over the limit, one step halfway back."""
    import aiohttp

    rng = random.Random(7)
    steps: list[Step] = []
    stopped = ""
    tabs: list[Tab] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        n = 1
        while True:
            log(f"  classroom: {n} session(s)")
            new = await _open_tabs(session, server, settings, n - len(tabs))
            tabs += new
            step = await _measure_step(server, settings, tabs, new, rng)
            steps.append(step)
            spent = time.perf_counter() - started
            per_step = spent / len(steps)
            if step.p90 > LIMIT:
                stopped = f"stopped at N = {n}: key p90 {seconds(step.p90)} > 100 ms"
                good = max((s.sessions for s in steps if s.p90 <= LIMIT), default=0)
                middle = (good + n) // 2
                if good and n - good > 2 and spent + per_step < settings.budget:
                    log(f"  classroom: back to {middle} session(s)")
                    await _close(tabs[middle:])
                    tabs = tabs[:middle]
                    await asyncio.sleep(3.0)  # the closed tabs' apps end (quit, SIGTERM)
                    steps.append(await _measure_step(server, settings, tabs, [], rng))
                    stopped += f", then N = {middle}: p90 {seconds(steps[-1].p90)}"
                break
            following = n * 2
            per_session = step.pss_kib / n
            if (following - n) * per_session > 0.9 * step.available_kib:
                stopped = f"stopped at N = {n}: {following} would not fit in MemAvailable"
                break
            if following > settings.max_sessions:
                stopped = f"stopped at N = {n}: the run's cap ({settings.max_sessions})"
                break
            if spent + 2 * per_step > settings.budget:
                stopped = f"stopped at N = {n}: the run's time budget ({settings.budget:g} s)"
                break
            n = following
        if tabs:
            maps = what_a_session_maps(_one_app(server))
            stopped += f"; one session's resident memory by mapping: {maps}"
        await _close(tabs)
    return steps, stopped


def _one_app(server: Server) -> int:
    pids = app_pids(server.process.pid)
    return pids[0] if pids else server.process.pid


def classroom_figure(settings: Settings) -> list[Row]:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return [not_measured(FIGURE, GOAL, "aiohttp is not installed (textual-serve needs it)")]
    if not Path("/proc/self/smaps_rollup").exists():
        return [not_measured(FIGURE, GOAL, "no /proc/PID/smaps_rollup to read memory from")]
    started = time.perf_counter()
    with running_server(settings.data, settings.max_sessions + 1) as server:
        steps, stopped = asyncio.run(_classroom(server, settings, started))
    row = _row(steps, stopped, settings)
    with contextlib.suppress(Exception):  # a note only
        row.notes.append(_private_by_import(settings.data))
    return [row]


PRIVATE_JOB = r"""
def private():
    total = 0
    with open("/proc/self/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Private_Dirty"):
                total += int(line.split()[1])
    return total

from pathlib import Path
marks = {"python": private()}
import bigram_tui.tui.app.app
marks["the app's modules (textual)"] = private()
import torch
torch.set_num_threads(1)
marks["import torch"] = private()
from bigram_tui.core.session import Session
session = Session.load(Path(sys.argv[1]), 2147483647, order=2)
marks["the session (counts, order 2)"] = private()
session.evaluation().table(0.0)
marks["the Evaluate table (orders 1-6 on the split)"] = private()
print(json.dumps(marks))
"""


def _private_by_import(data: Path) -> str:
    """What each stage of an app's start adds to its private memory, in a fresh interpreter."""
    from .fresh_process import run_child

    marks = run_child(PRIVATE_JOB, data)
    parts, before = [], 0
    for stage, kib in marks.items():
        parts.append(f"{stage} +{(kib - before) / 1024:.0f}")
        before = kib
    return (
        "classroom: private dirty memory (never shared) a session's start adds, stage by stage "
        f"in a fresh interpreter (MiB): {', '.join(parts)}; total {before / 1024:.0f} MiB"
    )


def _row(steps: list[Step], stopped: str, settings: Settings) -> Row:
    good = [s for s in steps if s.p90 <= LIMIT]
    best = max(good, key=lambda s: s.sessions) if good else None
    last = max(steps, key=lambda s: s.sessions)  # the most sessions: its memory
    per = last.rss_kib / last.sessions / 1024
    pss = last.pss_kib / last.sessions / 1024
    private = last.private_kib / last.sessions / 1024
    fits = int(last.available_kib / max(last.pss_kib / last.sessions, 1)) + last.sessions
    table = "; ".join(
        f"N={s.sessions} ({s.trainers} training): p50 {seconds(s.p50)}, p90 {seconds(s.p90)}"
        + (f" (trainers' {seconds(s.trainer_p90)})" if s.trainer_p90 is not None else "")
        + f", {s.presses} keys"
        + (f", {s.lost} lost" if s.lost else "")
        + (f", ready in {s.ready_median:.1f} s" if s.ready_median else ", no new tabs")
        for s in steps
    )
    notes = [
        f"classroom: `bigram-tui serve` on loopback, websocket clients as textual-serve's page "
        f"(GET /?token=, then /ws/<token>?width={COLS}&height={ROWS}, Origin the server's); "
        f"each session types a key every {KEY_PERIOD * 1000:.0f} ms for {settings.window:g} s "
        "per step (Counts grid l/h; N // 4 trainers: 3 r space, then 4/3), latency = send → "
        "arrival of the frame that completes the key's text; " + stopped,
        f"classroom steps: {table}",
        f"classroom memory at N={last.sessions}: per session RSS {per:.0f} MiB, PSS {pss:.0f} "
        f"MiB, private dirty {private:.0f} MiB; the server "
        f"{last.server_rss_kib / 1024:.0f} MiB RSS; "
        f"MemAvailable {last.available_kib / 1024 / 1024:.1f} GiB after, room for about {fits} "
        "sessions at this PSS",
    ]
    ours = (
        f"N = {best.sessions} (p90 {seconds(best.p90)}), {per:.0f} MiB RSS/session"
        if best
        else f"none (N = 1: p90 {seconds(steps[0].p90)})"
    )
    capped = best is not None and best is last and "cap (" in stopped
    return Row(
        FIGURE,
        f"p90 ≤ 100 ms; MemAvailable {steps[0].available_kib / 1024 / 1024:.1f} GiB",
        ours + (" (cap of the run)" if capped else ""),
        "—",
        GOAL,
        yes_no(best is not None),
        notes,
    )


def settings_from(data: Path, quick: bool) -> Settings:
    from bigram_tui.core.counts import NgramCounts
    from bigram_tui.core.data import read_words

    counts = NgramCounts.from_words(read_words(data), 2)
    return Settings(
        data=data,
        quick=quick,
        ready_marker=f"{counts.words:,} words · ",
        labels=tuple(counts.vocab.itos),
    )


FIGURES: dict[str, Callable[[Settings], list[Row]]] = {"classroom": classroom_figure}
