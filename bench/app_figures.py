"""The app figures: the real `bigram-tui` binary under a pseudo-terminal, driven by keys.

Each app figure has a reference measured in the same run, alternating with it:
  startup     bare Textual app (first frame) and `python -c "import torch"` (model ready)
  keys        the same key sequence with training paused, then running
  bytes       output per second with training paused (idle), then running
  epoch rate  the core's own loop (TrainingRun.step, the app's thread count), app paused
  peak RSS    absolute
A figure whose screen or key is not there (yet) is reported as "not measured (why)".
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .pty_terminal import PtyTerminal
from .results import (
    Row,
    failed,
    log,
    median,
    not_measured,
    percentile,
    seconds,
    yes_no,
)

COLS, ROWS = 120, 40
LOAD_TIMEOUT = 60.0  # torch's import alone takes 4 s on a busy 2-core machine
KEY_TIMEOUT = 3.0
BARE_APP = Path(__file__).with_name("bare_app.py")

# What the app shows (tui/app.py, tui/train_pane.py, tui/counts_pane.py, tui/sample_pane.py).
TRAIN_MARKER = "epochs/s"  # the Train pane's status line: "epoch N/M  loss …  R epochs/s"
COUNTS_MARKER = "counts N[i,j]"  # the Counts pane's title in its default view
SAMPLE_MARKER = "sampler "  # the Sample pane's header: "model … sampler classic seed …"
CELL = re.compile(r"'(.)' after '(.)'")  # the Counts pane's cell info
EPOCH = re.compile(r"epoch ([\d,]+)/([\d,]+)")
NAME_NUMBER = re.compile(r"(?<![\w.,])(\d{1,4}) (?:[^\s\d]|\(empty\))")
LONG_RUN_EPOCHS = 1_000_000  # the field's maximum: training outlasts every measurement


@dataclass(frozen=True)
class AppSettings:
    data: Path
    quick: bool
    words: int  # for the ready marker "names.txt · 32,033 words · 27 tokens"
    tokens: int
    labels: tuple[str, ...]  # the Counts grid's column labels, '.' first

    @property
    def ready_marker(self) -> str:
        return f"{self.words:,} words · {self.tokens} tokens"


def app_command(data: Path) -> list[str]:
    script = Path(sys.executable).with_name("bigram-tui")
    found = str(script) if script.exists() else shutil.which("bigram-tui")
    if found is None:
        raise FileNotFoundError("the bigram-tui console script (pip install -e .)")
    return [found, "--data", str(data)]


def launch(settings: AppSettings) -> PtyTerminal:
    return PtyTerminal(app_command(settings.data), cols=COLS, rows=ROWS)


def wait_ready(term: PtyTerminal, settings: AppSettings) -> float:
    at = term.wait_for_text(settings.ready_marker, LOAD_TIMEOUT)
    if at is None:
        raise Unmeasurable(f"the ready marker {settings.ready_marker!r} never appeared")
    return at


class Unmeasurable(Exception):
    """The app does not (yet) show what a figure needs; the message says what is missing."""


# --- startup ---------------------------------------------------------------------------


def _torch_import_time() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - start


def _bare_first_frame() -> float:
    with PtyTerminal([sys.executable, str(BARE_APP)], cols=COLS, rows=ROWS) as term:
        at = term.wait_for_first_paint(LOAD_TIMEOUT)
        if at is None:
            raise RuntimeError("the bare Textual app painted nothing")
        return at - term.started


def _app_startup(settings: AppSettings) -> tuple[float | None, float | None]:
    with launch(settings) as term:
        painted = term.wait_for_first_paint(LOAD_TIMEOUT)
        ready = term.wait_for_text(settings.ready_marker, LOAD_TIMEOUT)
        return (
            None if painted is None else painted - term.started,
            None if ready is None else ready - term.started,
        )


def startup_figures(settings: AppSettings) -> list[Row]:
    rounds = 1 if settings.quick else 3
    torch_times, bare_times, paint_times, ready_times = [], [], [], []
    for _ in range(rounds):
        # The three alternate, so a burst of load elsewhere is shared between them.
        torch_times.append(_torch_import_time())
        bare_times.append(_bare_first_frame())
        painted, ready = _app_startup(settings)
        if painted is not None:
            paint_times.append(painted)
        if ready is not None:
            ready_times.append(ready)
    rows = []
    paint_goal, ready_goal = "≤ +0.3 s", "≤ +0.7 s"
    if paint_times:
        gap = median(paint_times) - median(bare_times)
        rows.append(
            Row(
                "app: first frame painted",
                seconds(median(bare_times)) + " (bare app)",
                seconds(median(paint_times)),
                f"{gap:+.2f} s",
                paint_goal,
                yes_no(gap <= 0.3),
                [
                    f"startup: medians of {rounds} launches at {COLS}×{ROWS}, alternating with the "
                    "references; first frame = first non-blank screen (pyte)"
                ],
            )
        )
    else:
        rows.append(not_measured("app: first frame painted", paint_goal, "the app painted nothing"))
    if ready_times:
        gap = median(ready_times) - median(torch_times)
        rows.append(
            Row(
                "app: model ready (grid filled)",
                seconds(median(torch_times)) + " (import torch)",
                seconds(median(ready_times)),
                f"{gap:+.2f} s",
                ready_goal,
                yes_no(gap <= 0.7),
                [f"ready: until the top bar shows {settings.ready_marker!r}"],
            )
        )
    else:
        reason = f"{settings.ready_marker!r} never appeared"
        rows.append(not_measured("app: model ready (grid filled)", ready_goal, reason))
    return rows


# --- driving the Train pane ------------------------------------------------------------


def _screen_epoch(term: PtyTerminal) -> tuple[int, int] | None:
    match = EPOCH.search(term.text())
    if match is None:
        return None
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def open_train_pane(term: PtyTerminal, epochs: int) -> None:
    """Show the Train pane and set its epochs field (focus: plot → lr → epochs)."""
    term.press("3")
    if term.wait_for_text(TRAIN_MARKER, 5.0) is None:
        raise Unmeasurable("the Train pane (key 3) shows no status line with 'epochs/s'")
    term.drain(0.3)
    for _ in range(2):
        term.press("tab")
        term.drain(0.3)
    # The field selects its text on focus, but a little later: clear it key by key instead.
    term.press("end")
    term.drain(0.2)
    term.type("\x7f" * 12, gap=0.03)
    term.drain(0.2)
    term.type(str(epochs), gap=0.05)
    term.drain(0.3)
    term.press("enter")  # submits and hands focus back to the plot
    wanted = f"/{epochs:,}"
    if term.wait_for_text(wanted, 5.0) is None:
        status = EPOCH.search(term.text())
        raise Unmeasurable(
            f"typing {epochs} into the epochs field (tab, tab from the plot) did not show "
            f"{wanted!r} (status: {status[0] if status else 'none'})"
        )
    term.drain(0.3)


def set_training(term: PtyTerminal, running: bool) -> None:
    """Press space on the Train pane until its state label says running/paused."""
    state = "running" if running else "paused"
    if re.search(rf"[▶⏸✓✗] {state}", term.text()):
        return
    term.press("space")
    if term.wait_until(lambda: re.search(rf"[▶⏸✓✗] {state}", term.text()) is not None, 5.0):
        return
    raise Unmeasurable(f"space on the Train pane did not show {state!r}")


# --- key latency -----------------------------------------------------------------------


def _key_cycle(settings: AppSettings) -> list[tuple[str, Callable[[str], str | None]]]:
    """Keys and, for each, the text whose appearance means the screen shows the press.

    From the Train pane: 1 (the Counts pane), l and h (the grid cursor: its cell info
    names the new column), 3 (back to the Train pane). The expected text is computed
    from the screen just before the key, so it is never already on screen.
    """
    labels = settings.labels

    def moved(step: int) -> Callable[[str], str | None]:
        def expected(screen: str) -> str | None:
            match = CELL.search(screen)
            if match is None:
                return None
            second, first = match[1], match[2]
            column = labels.index(second) + step if second in labels else -1
            if not 0 <= column < len(labels):
                return None
            return f"'{labels[column]}' after '{first}'"

        return expected

    return [
        ("1", lambda _: COUNTS_MARKER),
        ("l", moved(+1)),
        ("h", moved(-1)),
        ("3", lambda _: TRAIN_MARKER),
    ]


def measure_keys(term: PtyTerminal, settings: AppSettings, cycles: int, rng: random.Random):
    """Latencies (s) of `cycles` rounds of the key cycle; a key never shown counts as timeout."""
    latencies, timeouts = [], 0
    for _ in range(cycles):
        for key, expected_of in _key_cycle(settings):
            # An irregular gap, so presses do not lock onto the app's 4 Hz redraw timer.
            term.drain(rng.uniform(0.12, 0.3))
            expected = expected_of(term.text())
            if expected is None:
                raise Unmeasurable(f"cannot tell what key {key!r} should show")
            pressed = term.press(key)
            shown = term.wait_for_text(expected, KEY_TIMEOUT)
            if shown is None:
                timeouts += 1
                latencies.append(KEY_TIMEOUT)
            else:
                latencies.append(shown - pressed)
    return latencies, timeouts


# --- bytes and epochs per second -------------------------------------------------------


def _wait_epoch_change(term: PtyTerminal, timeout: float) -> tuple[float, int] | None:
    """The moment the status line's epoch number changes, so that it is fresh."""
    before = _screen_epoch(term)
    at = term.wait_until(lambda: _screen_epoch(term) != before, timeout)
    now = _screen_epoch(term)
    return None if at is None or now is None else (at, now[0])


def measure_window(term: PtyTerminal, seconds_: float, training: bool):
    """Bytes per second over the window and, while training, epochs per second."""
    start_mark = _wait_epoch_change(term, 2.0) if training else None
    bytes_before, start = term.total_bytes, time.perf_counter()
    term.drain(seconds_)
    rate = None
    if training:
        end_mark = _wait_epoch_change(term, 2.0)
        if start_mark and end_mark and end_mark[0] > start_mark[0]:
            rate = (end_mark[1] - start_mark[1]) / (end_mark[0] - start_mark[0])
    elapsed = time.perf_counter() - start
    return (term.total_bytes - bytes_before) / elapsed, rate


def core_epoch_rate(counts, seconds_: float) -> float:
    """TrainingRun.step in a bare loop, with the thread count the app gives torch."""
    import os

    import torch

    from bigram_tui.core.neural import TrainingRun

    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))  # as tui/app.py does
    try:
        run = TrainingRun(counts)
        run.run(20)  # warm-up
        epochs, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds_:
            run.step()
            epochs += 1
        return epochs / elapsed
    finally:
        torch.set_num_threads(threads)


# --- the training session: keys, bytes, epoch rate -------------------------------------


def session_figures(settings: AppSettings, counts) -> list[Row]:
    figures = (
        "app: key → screen, p90 while training",
        "app: bytes/s to the terminal while training",
        "app: epochs/s with the plot live",
    )
    goals = ("p90 ≤ 50 ms", "≤ 30 KiB/s", "≥ 50% of the core's")
    blocks = 1 if settings.quick else 2
    cycles = 2 if settings.quick else 4
    window = 2.0 if settings.quick else 3.0
    rng = random.Random(4)
    paused_lat, running_lat, idle_bps, train_bps, app_rates, core_rates = [], [], [], [], [], []
    timeouts = {"paused": 0, "running": 0}
    try:
        with launch(settings) as term:
            wait_ready(term, settings)
            open_train_pane(term, LONG_RUN_EPOCHS)
            for _ in range(blocks):
                # Paused: keys, idle output, and the core's own rate (the app is quiet).
                set_training(term, running=False)
                lat, lost = measure_keys(term, settings, cycles, rng)
                paused_lat += lat
                timeouts["paused"] += lost
                idle_bps.append(measure_window(term, window, training=False)[0])
                core_rates.append(core_epoch_rate(counts, 1.0))
                # Running: the same keys, output and the app's rate.
                set_training(term, running=True)
                lat, lost = measure_keys(term, settings, cycles, rng)
                running_lat += lat
                timeouts["running"] += lost
                bps, rate = measure_window(term, window, training=True)
                train_bps.append(bps)
                if rate is not None:
                    app_rates.append(rate)
            set_training(term, running=False)
    except Unmeasurable as reason:
        return [not_measured(f, g, str(reason)) for f, g in zip(figures, goals)]

    rows = []
    p90 = percentile(running_lat, 90)
    lost_note = (
        f"; timeouts (> {KEY_TIMEOUT:g} s, counted as {KEY_TIMEOUT:g} s): paused "
        f"{timeouts['paused']}, running {timeouts['running']}"
        if any(timeouts.values())
        else ""
    )
    rows.append(
        Row(
            figures[0],
            f"p50 {seconds(median(paused_lat))}, p90 {seconds(percentile(paused_lat, 90))}"
            " (paused)",
            f"p50 {seconds(median(running_lat))}, p90 {seconds(p90)}",
            f"{p90 / percentile(paused_lat, 90):.1f}× p90",
            goals[0],
            yes_no(p90 <= 0.050),
            [
                f"keys: {len(running_lat)} presses each way at {COLS}×{ROWS}, cycle 1 l h 3 from "
                "the Train pane (pane switch, grid cursor), until the expected text is on "
                f"screen; {blocks} paused/running alternations{lost_note}"
            ],
        )
    )
    kib = median(train_bps) / 1024
    rows.append(
        Row(
            figures[1],
            f"{median(idle_bps) / 1024:.1f} KiB/s (idle)",
            f"{kib:.1f} KiB/s",
            f"{median(train_bps) / max(median(idle_bps), 1):.0f}× idle",
            goals[1],
            yes_no(kib <= 30),
            [f"bytes: read from the pty master over {blocks}×{window:g} s windows, Train pane"],
        )
    )
    if app_rates:
        share = median(app_rates) / median(core_rates)
        rows.append(
            Row(
                figures[2],
                f"{median(core_rates):,.0f}/s (core loop)",
                f"{median(app_rates):,.0f}/s",
                f"{share:.0%}",
                goals[2],
                yes_no(share >= 0.5),
                [
                    "epoch rate: the Train pane's epoch counter between two of its redraws; the "
                    "core loop runs in the bench process with the app's torch thread count, "
                    "while the app is paused"
                ],
            )
        )
    else:
        rows.append(not_measured(figures[2], goals[2], "the epoch counter did not advance"))
    return rows


# --- peak RSS --------------------------------------------------------------------------


def _names_drawn(term: PtyTerminal) -> int:
    return max((int(m[1]) for m in NAME_NUMBER.finditer(term.text())), default=0)


def rss_figure(settings: AppSettings) -> list[Row]:
    figure, goal = "app: peak RSS, 5,000 epochs + 1,000 names", "≤ 400 MB"
    epochs, names = 5_000, 1_000
    notes = []
    try:
        with launch(settings) as term:
            wait_ready(term, settings)
            after_load = term.peak_rss_kib()
            open_train_pane(term, epochs)
            started = time.perf_counter()
            set_training(term, running=True)
            done = f"{epochs:,}/{epochs:,}"
            if term.wait_for_text(done, 300.0) is None:
                raise Unmeasurable(f"training never showed {done!r}")
            took = time.perf_counter() - started
            after_training = term.peak_rss_kib()
            term.press("4")
            if term.wait_for_text(SAMPLE_MARKER, 5.0) is None:
                raise Unmeasurable("the Sample pane (key 4) shows no sampler header")
            sent = 0
            while sent < names:
                batch = min(25, names - sent)
                for _ in range(batch):
                    term.press("f")  # finish a name: one key, one name
                sent += batch
                if term.wait_until(lambda n=sent: _names_drawn(term) >= n, 20.0) is None:
                    raise Unmeasurable(f"the Sample pane's list stopped at {_names_drawn(term)}")
            peak = term.peak_rss_kib()
    except Unmeasurable as reason:
        return [not_measured(figure, goal, str(reason))]
    if peak is None or after_load is None or after_training is None:
        return [not_measured(figure, goal, "/proc/PID/status has no VmHWM")]
    notes.append(
        f"RSS: VmHWM {after_load / 1024:.0f} MiB when ready, {after_training / 1024:.0f} MiB "
        f"after {epochs:,} epochs ({took:.1f} s in the app), {peak / 1024:.0f} MiB after "
        f"{names:,} names (key f)"
    )
    mb = peak * 1024 / 1e6
    return [Row(figure, "none (absolute)", f"{mb:.0f} MB", "—", goal, yes_no(mb <= 400), notes)]


def run_app_figures(names: list[str], settings: AppSettings, counts) -> list[Row]:
    runners = {
        "startup": lambda: startup_figures(settings),
        "keys": lambda: session_figures(settings, counts),
        "rss": lambda: rss_figure(settings),
    }
    rows = []
    for name in names:
        log(f"app figure: {name}")
        began = time.perf_counter()
        try:
            rows += runners[name]()
        except Exception as error:  # a broken app must not cost the rest of the table
            rows.append(failed(f"app: {name}", "—", error))
        log(f"  {name}: {time.perf_counter() - began:.1f} s")
    return rows


APP_FIGURES = ("startup", "keys", "rss")
