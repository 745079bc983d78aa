"""The app figures: the real `bigram-tui` binary under a pseudo-terminal, driven by keys.

Each app figure has a reference measured in the same run, alternating with it:
  startup     a bare Textual app (first frame) and `python -c "import torch"` (model ready);
              every launch of the app in the run adds a startup sample
  keys        one key cycle, sent the same way to a bare Textual app (tabs, a Static, a
              Footer: bare_app.py) and to the app while it trains; the app paused, in a note
  bytes       output per second with training paused (idle), then running
  epoch rate  the core's own loop (TrainingRun.step, the app's thread count), app paused
  peak RSS    absolute
A figure whose screen or key is not there (yet) is reported as "not measured (why)".
"""

from __future__ import annotations

import contextlib
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from . import busy_keys
from .busy_keys import Unmeasurable  # the app does not (yet) show what a figure needs
from .pty_terminal import PtyTerminal
from .results import (
    Row,
    log,
    median,
    not_measured,
    percentile,
    run_figure,
    seconds,
    time_once,
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
# The Counts pane's cell info: "'b' after 'a'" (order 2), "'b' after '..a'" (order 4).
CELL = re.compile(r"'(.)' after '([^']+)'")
EPOCH = re.compile(r"epoch ([\d,]+)/([\d,]+)")
NAME_NUMBER = re.compile(r"\s*(\d+) ")  # a line of the Sample pane's list: "  12 mor"
HISTORY_TITLE = " names "  # the title above that list
LONG_RUN_EPOCHS = 1_000_000  # the field's maximum: training outlasts every measurement
PAINT_TIMEOUT = 20.0  # a first frame later than this means the app is stuck (or broken)
SETTLE = 1.0  # after a pane switch the tab underline animates; let it finish before counting


@dataclass(frozen=True)
class AppSettings:
    data: Path
    quick: bool
    words: int  # for the ready marker "32,033 words · ", which every width shows once loaded
    tokens: int
    labels: tuple[str, ...]  # the Counts grid's column labels, '.' first

    @property
    def ready_marker(self) -> str:
        return f"{self.words:,} words · "


def app_command(data: Path) -> list[str]:
    script = Path(sys.executable).with_name("bigram-tui")
    found = str(script) if script.exists() else shutil.which("bigram-tui")
    if found is None:
        raise FileNotFoundError("the bigram-tui console script (pip install -e .)")
    return [found, "--data", str(data)]


def launch(settings: AppSettings) -> PtyTerminal:
    return PtyTerminal(app_command(settings.data), cols=COLS, rows=ROWS)


@dataclass
class Startups:
    """Startup samples. Every launch of the app in the run adds one: they are all timed alike."""

    torch_import: list[float] = field(default_factory=list)
    bare_paint: list[float] = field(default_factory=list)
    paint: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    launches: int = 0
    app_paints: bool = True  # False once a launch painted nothing: the app is broken now


def start_app(settings: AppSettings, startups: Startups) -> PtyTerminal:
    """Launch the app and wait until its model is ready, recording both times."""
    term = launch(settings)
    startups.launches += 1
    painted = term.wait_for_first_paint(PAINT_TIMEOUT)
    if painted is None:
        startups.app_paints = False
        term.close()
        raise Unmeasurable(f"the app painted nothing in {PAINT_TIMEOUT:g} s")
    startups.paint.append(painted - term.started)
    ready = term.wait_for_text(settings.ready_marker, LOAD_TIMEOUT)
    if ready is None:
        term.close()
        raise Unmeasurable(f"the ready marker {settings.ready_marker!r} never appeared")
    startups.ready.append(ready - term.started)
    return term


# --- startup ---------------------------------------------------------------------------


def _torch_import_time() -> float:
    command = [sys.executable, "-c", "import torch"]
    return time_once(lambda: subprocess.run(command, check=True))[0]


def launch_bare(labels: tuple[str, ...] = ()) -> PtyTerminal:
    argv = [sys.executable, str(BARE_APP)] + (["".join(labels)] if labels else [])
    return PtyTerminal(argv, cols=COLS, rows=ROWS)


def start_bare(settings: AppSettings) -> PtyTerminal:
    """The bare app, on its Train tab like the app when the key cycle starts."""
    term = launch_bare(settings.labels)
    if term.wait_for_text(COUNTS_MARKER, LOAD_TIMEOUT) is None:
        term.close()
        raise Unmeasurable("the bare Textual app never showed its Counts tab")
    term.press("3")
    if term.wait_for_text(TRAIN_MARKER, 5.0) is None:
        term.close()
        raise Unmeasurable("the bare Textual app did not switch to its Train tab")
    term.drain(SETTLE)
    return term


def _bare_first_frame() -> float:
    with launch_bare() as term:
        at = term.wait_for_first_paint(LOAD_TIMEOUT)
        if at is None:
            raise RuntimeError("the bare Textual app painted nothing")
        return at - term.started


def measure_startup_references(settings: AppSettings, startups: Startups, launches: int) -> None:
    """The references, alternating with `launches` launches of the app (0: references only)."""
    for round_ in range(max(launches, 1)):
        startups.torch_import.append(_torch_import_time())
        startups.bare_paint.append(_bare_first_frame())
        if round_ < launches and startups.app_paints:
            with contextlib.suppress(Unmeasurable):
                start_app(settings, startups).close()


def _startup_row(
    figure: str,
    ours: list[float],
    reference: list[float],
    reference_name: str,
    limit: float,
    notes: list[str],
    missing: str,
) -> Row:
    """Our median startup time against the reference's: met when it is at most `limit` s more."""
    goal = f"≤ +{limit:g} s"
    if not (ours and reference):
        return not_measured(figure, goal, missing)
    gap = median(ours) - median(reference)
    return Row(
        figure,
        seconds(median(reference)) + f" ({reference_name})",
        seconds(median(ours)),
        f"{gap:+.2f} s",
        goal,
        yes_no(gap <= limit),
        notes,
    )


def startup_figures(settings: AppSettings, startups: Startups) -> list[Row]:
    paint_note = (
        f"startup: medians of {len(startups.paint)} app launches (every launch in the "
        f"run), {len(startups.bare_paint)} bare-app launches and "
        f"{len(startups.torch_import)} torch imports, alternating, at {COLS}×{ROWS}; "
        "first frame = first non-blank screen (pyte)"
    )
    ready_note = f"ready: until the top bar shows {settings.ready_marker!r}"
    return [
        _startup_row(
            "app: first frame painted",
            startups.paint,
            startups.bare_paint,
            "bare app",
            0.3,
            [paint_note],
            "the app painted nothing",
        ),
        _startup_row(
            "app: model ready (grid filled)",
            startups.ready,
            startups.torch_import,
            "import torch",
            0.7,
            [ready_note],
            f"{settings.ready_marker!r} never appeared",
        ),
    ]


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
    set_full_speed(term)


def _status_line(term: PtyTerminal) -> str:
    return next((line for line in term.text().splitlines() if TRAIN_MARKER in line), "")


def _changed(term: PtyTerminal, before: str) -> bool:
    return _status_line(term) != before


def set_full_speed(term: PtyTerminal) -> None:
    """Press v until the status line's rate has no "(≤N)" limit: the app trains as fast as
    it can (its default is 25 epochs/s, the lecture's pace), the heaviest load there is."""
    for _ in range(3):
        before = _status_line(term)
        if before and "(≤" not in before:
            term.drain(0.3)
            return
        term.press("v")
        term.wait_until(partial(_changed, term, before), 3.0)
    raise Unmeasurable("v on the Train pane never lifted the pace limit ('(≤N)' in its status)")


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


TRAIN_BACK = ("3", TRAIN_MARKER)
EVALUATE_BACK = ("5", busy_keys.EVALUATE_MARKER)


def _key_cycle(
    settings: AppSettings, back: tuple[str, str] = TRAIN_BACK
) -> list[tuple[str, Callable[[str], str | None]]]:
    """Keys and, for each, the text whose appearance means the screen shows the press.

    From the Train pane: 1 (the Counts pane), l and h (the grid cursor: its cell info
    names the new column), 3 (back to the Train pane); `back` is that last key and its
    text (5 and the Evaluate pane's heading during a sweep). The expected text is computed
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
        (back[0], lambda _: back[1]),
    ]


def measure_keys(
    term: PtyTerminal,
    settings: AppSettings,
    cycles: int,
    rng: random.Random,
    back: tuple[str, str] = TRAIN_BACK,
) -> dict[str, list[float]]:
    """Latency (s) of each press of `cycles` rounds of the key cycle, by key.

    A key whose text never shows within KEY_TIMEOUT counts as KEY_TIMEOUT (and is listed).
    """
    latencies: dict[str, list[float]] = {}
    for _ in range(cycles):
        for key, expected_of in _key_cycle(settings, back):
            # An irregular gap, so presses do not lock onto the app's 4 Hz redraw timer.
            term.drain(rng.uniform(0.12, 0.3))
            expected = expected_of(term.text())
            if expected is None:
                raise Unmeasurable(f"cannot tell what key {key!r} should show")
            pressed = term.press(key)
            shown = term.wait_for_text(expected, KEY_TIMEOUT)
            latencies.setdefault(key, []).append(KEY_TIMEOUT if shown is None else shown - pressed)
    return latencies


def _all(by_key: dict[str, list[float]]) -> list[float]:
    return [value for values in by_key.values() for value in values]


def _by_key_note(*runs: dict[str, list[float]]) -> str:
    parts = [
        f"{key} " + " / ".join(seconds(median(run.get(key, [0.0]))) for run in runs)
        for key in runs[0]
    ]
    return "keys: median by key, bare / app paused / app training: " + ", ".join(parts)


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


def session_figures(
    settings: AppSettings, counts, startups: Startups, then_rss: bool = False
) -> list[Row]:
    """Keys, bytes and epoch rate in one launch; with `then_rss`, the RSS figure after them."""
    figures = (
        "app: key → screen, p90 while training",
        "app: bytes/s to the terminal while training",
        "app: epochs/s with the plot live",
    )
    goals = ("p90 ≤ 50 ms, ≤ 3× bare", "≤ 30 KiB/s", "≥ 50% of the core's")
    blocks = 1 if settings.quick else 2
    cycles = 2 if settings.quick else 4
    window = 1.5 if settings.quick else 3.0
    rng = random.Random(4)
    bare: dict[str, list[float]] = {}
    paused: dict[str, list[float]] = {}
    running: dict[str, list[float]] = {}
    idle_bps, train_bps, app_rates, core_rates = [], [], [], []
    sweeps: busy_keys.SweepKeys | None = None
    sweeps_missing = ""
    try:
        with start_app(settings, startups) as term, start_bare(settings) as bare_term:
            open_train_pane(term, LONG_RUN_EPOCHS)
            for _ in range(blocks):
                # The app paused: the bare app's keys, the app's keys, idle output, and the
                # core's own rate (the app is quiet).
                set_training(term, running=False)
                term.drain(SETTLE)
                for key, values in measure_keys(bare_term, settings, cycles, rng).items():
                    bare.setdefault(key, []).extend(values)
                for key, values in measure_keys(term, settings, cycles, rng).items():
                    paused.setdefault(key, []).extend(values)
                term.drain(SETTLE)
                idle_bps.append(measure_window(term, window, training=False)[0])
                core_rates.append(core_epoch_rate(counts, 1.0))
                # Running: the same keys, output and the app's rate.
                set_training(term, running=True)
                for key, values in measure_keys(term, settings, cycles, rng).items():
                    running.setdefault(key, []).extend(values)
                term.drain(SETTLE)
                bps, rate = measure_window(term, window, training=True)
                train_bps.append(bps)
                if rate is not None:
                    app_rates.append(rate)
            set_training(term, running=False)
            rss_rows = measure_rss(term, reused=True) if then_rss else []

            def bare_block() -> None:
                for key, values in measure_keys(bare_term, settings, cycles, rng).items():
                    bare.setdefault(key, []).extend(values)

            def sweep_cycle() -> dict[str, list[float]]:
                return measure_keys(term, settings, 1, rng, back=EVALUATE_BACK)

            try:
                sweeps = busy_keys.measure_sweeps(term, bare_block, sweep_cycle, settings.quick)
            except Unmeasurable as reason:
                sweeps_missing = str(reason)
    except Unmeasurable as reason:
        rows = [not_measured(f, g, str(reason)) for f, g in zip(figures, goals)]
        rows += _sweep_rows(None, str(reason), [])
        return rows + ([not_measured(RSS_FIGURE, RSS_GOAL, str(reason))] if then_rss else [])

    rows = []
    bare_all, paused_all, running_all = _all(bare), _all(paused), _all(running)
    p90, bare_p90 = percentile(running_all, 90), percentile(bare_all, 90)
    lost = sum(v >= KEY_TIMEOUT for v in bare_all + paused_all + running_all)
    lost_note = f"; {lost} presses never showed (counted as {KEY_TIMEOUT:g} s)" if lost else ""
    rows.append(_key_row("app: key → screen, p90 idle (paused)", paused_all, bare_all, []))
    rows.append(
        Row(
            figures[0],
            f"p50 {seconds(median(bare_all))}, p90 {seconds(bare_p90)} (bare Textual app)",
            f"p50 {seconds(median(running_all))}, p90 {seconds(p90)}",
            f"{p90 / bare_p90:.1f}× p90",
            goals[0],
            yes_no(p90 <= 0.050 and p90 <= 3 * bare_p90),
            [
                f"keys: {len(running_all)} presses to each app at {COLS}×{ROWS}: the cycle 1 l h 3 "
                "from the Train pane (pane switch, grid cursor, pane switch back), each timed "
                "until its expected text is on screen (pyte); the bare app (bare_app.py: Tabs, "
                "a Static, a Footer) shows the same texts for the same keys; "
                f"{blocks} alternation(s) bare / app paused / app training{lost_note}; "
                "training at full speed (v: no pace limit)",
                f"keys: the app paused: p50 {seconds(median(paused_all))}, "
                f"p90 {seconds(percentile(paused_all, 90))}",
                _by_key_note(bare, paused, running),
            ],
        )
    )
    kib = median(train_bps) / 1024
    rows.append(
        Row(
            figures[1],
            f"{median(idle_bps) / 1024:.1f} KiB/s (idle)",
            f"{kib:.1f} KiB/s",
            f"{median(train_bps) / max(median(idle_bps), 1.0):,.0f}× idle",
            goals[1],
            yes_no(kib <= 30),
            [
                f"bytes: read from the pty master over {blocks}×{window:g} s windows on the Train "
                f"pane, {SETTLE:g} s after the last key"
            ],
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
    rows += _sweep_rows(sweeps, sweeps_missing, bare_all)
    return rows + rss_rows


KEY_GOAL = "p90 ≤ 50 ms, ≤ 3× bare"
SWITCH_FIGURE, SWITCH_GOAL = "app: order switch (o) during a λ sweep", "≤ 200 ms"
SWEEP_STATES = ("λ sweep, order 4", "λ sweep, order 6")


def _key_row(figure: str, ours: list[float], bare: list[float], notes: list[str]) -> Row:
    if not ours or not bare:
        return not_measured(figure, KEY_GOAL, "no key was measured")
    p90, bare_p90 = percentile(ours, 90), percentile(bare, 90)
    return Row(
        figure,
        f"p50 {seconds(median(bare))}, p90 {seconds(bare_p90)} (bare Textual app)",
        f"p50 {seconds(median(ours))}, p90 {seconds(p90)}",
        f"{p90 / bare_p90:.1f}× p90",
        KEY_GOAL,
        yes_no(p90 <= 0.050 and p90 <= 3 * bare_p90),
        notes,
    )


def _sweep_rows(
    sweeps: busy_keys.SweepKeys | None, missing: str, bare_all: list[float]
) -> list[Row]:
    figures = [f"app: key → screen, p90 during a {state}" for state in SWEEP_STATES]
    if sweeps is None:
        reason = missing or "the sweeps were not reached"
        return [not_measured(f, KEY_GOAL, reason) for f in figures] + [
            not_measured(SWITCH_FIGURE, SWITCH_GOAL, reason)
        ]
    rows = []
    for figure, state in zip(figures, SWEEP_STATES):
        if state in sweeps.missing or not _all(sweeps.by_state.get(state, {})):
            reason = sweeps.missing.get(state, "no key cycle ran while a sweep did")
            rows.append(not_measured(figure, KEY_GOAL, reason))
            continue
        by_key = sweeps.by_state[state]
        note = (
            f"{state}: the cycle 1 l h 5 from the Evaluate pane, kept when a λ sweep ran at its "
            f"start and end ({len(_all(by_key))} presses; {sweeps.dropped[state]} cycles "
            f"dropped, {sweeps.restarts[state]} sweeps started with l); median by key: "
            + ", ".join(f"{key} {seconds(median(values))}" for key, values in by_key.items())
        )
        if state.endswith("order 6"):
            note += (
                "; the app runs no Kneser–Ney sweep, and its k sweep at order 6 (once, when "
                "order 6 is first shown) lasts a few hundred ms: the λ sweep stands in"
            )
        rows.append(_key_row(figure, _all(by_key), bare_all, [note]))
    if sweeps.switches:
        times = [t for _, t in sweeps.switches]
        worst = max(times)
        rows.append(
            Row(
                SWITCH_FIGURE,
                "none (absolute)",
                f"max {seconds(worst)} of {len(times)}",
                "—",
                SWITCH_GOAL,
                yes_no(worst <= 0.200),
                [
                    "order switch: o on the Evaluate pane while a λ sweep runs, until the top "
                    "bar names the new order: "
                    + ", ".join(f"{what} {seconds(t)}" for what, t in sweeps.switches)
                    + (
                        f"; not measured further: {sweeps.missing['λ sweep, order 6']}"
                        if "λ sweep, order 6" in sweeps.missing
                        else ""
                    )
                ],
            )
        )
    else:
        rows.append(not_measured(SWITCH_FIGURE, SWITCH_GOAL, "no order switch was timed"))
    return rows


# --- peak RSS --------------------------------------------------------------------------


def _names_drawn(term: PtyTerminal) -> int:
    """The last number in the Sample pane's list of names (0 before the first).

    Only the column under the list's title is read: the probability bars beside it
    carry numbers too.
    """
    lines = term.text().splitlines()
    title = next((i for i, line in enumerate(lines) if HISTORY_TITLE in line), None)
    if title is None:
        return 0
    column = lines[title].index(HISTORY_TITLE)
    numbers = [NAME_NUMBER.match(line[column:]) for line in lines[title + 1 :]]
    return max((int(m[1]) for m in numbers if m), default=0)


RSS_FIGURE, RSS_GOAL = "app: peak RSS, 5,000 epochs + 1,000 names", "≤ 400 MB"


def rss_figure(settings: AppSettings, startups: Startups) -> list[Row]:
    try:
        with start_app(settings, startups) as term:
            return measure_rss(term)
    except Unmeasurable as reason:
        return [not_measured(RSS_FIGURE, RSS_GOAL, str(reason))]


def measure_rss(term: PtyTerminal, reused: bool = False) -> list[Row]:
    """Train 5,000 epochs from a reset W, finish 1,000 names, read the app's VmHWM."""
    figure, goal = RSS_FIGURE, RSS_GOAL
    epochs, names = 5_000, 1_000
    try:
        after_load = term.peak_rss_kib()
        if reused:
            term.press("3")
            term.drain(0.5)
            term.press("r")  # reset W: the 5,000 epochs start from epoch 0
            if term.wait_for_text("epoch 0/", 5.0) is None:
                raise Unmeasurable("r on the Train pane did not reset to epoch 0")
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
        term.drain(0.5)  # a key sent while focus is still moving to the pane would be lost
        started = time.perf_counter()
        while (drawn := _names_drawn(term)) < names:
            for _ in range(min(25, names - drawn)):
                term.press("f")  # finish a name: one key, one name
            if term.wait_until(lambda before=drawn: _names_drawn(term) > before, 20.0) is None:
                raise Unmeasurable(f"the Sample pane's list stopped at {drawn} names")
            term.drain(0.05)
        sampling = time.perf_counter() - started
        peak = term.peak_rss_kib()
    except Unmeasurable as reason:
        return [not_measured(figure, goal, str(reason))]
    if peak is None or after_load is None or after_training is None:
        return [not_measured(figure, goal, "/proc/PID/status has no VmHWM")]
    where = "before (in the keys session's app, --quick)" if reused else "when ready"
    note = (
        f"RSS: VmHWM {after_load / 1024:.0f} MiB {where}, {after_training / 1024:.0f} MiB "
        f"after {epochs:,} epochs ({took:.1f} s in the app), {peak / 1024:.0f} MiB after "
        f"{names:,} names (key f, {sampling:.1f} s)"
    )
    mb = peak * 1024 / 1e6
    return [Row(figure, "none (absolute)", f"{mb:.0f} MB", "—", goal, yes_no(mb <= 400), [note])]


def run_app_figures(names: list[str], settings: AppSettings, counts) -> list[Row]:
    """Run the selected app figures; startup rows come last, from every launch in the run."""
    startups = Startups()
    rows: list[Row] = []
    steps: list[tuple[str, Callable[[], list[Row]]]] = []
    if "startup" in names:
        # Quick: the references only; the launches of the other figures give the app's times.
        dedicated = 0 if settings.quick and ("keys" in names or "rss" in names) else 3
        if settings.quick and dedicated:
            dedicated = 1

        def references() -> list[Row]:
            measure_startup_references(settings, startups, dedicated)
            return []

        steps.append(("startup", references))
    # Quick: one launch serves keys and RSS (RSS then includes the keys session's training).
    shared = settings.quick and "keys" in names and "rss" in names
    if "keys" in names:
        steps.append(("keys", lambda: session_figures(settings, counts, startups, shared)))
    if "rss" in names and not shared:
        steps.append(("rss", lambda: rss_figure(settings, startups)))
    for name, step in steps:
        if not startups.app_paints:
            log(f"app figure: {name}")
            rows.append(not_measured(f"app: {name}", "—", "the app painted nothing earlier"))
            continue
        rows += run_figure("app figure", name, step, row_name=f"app: {name}")
    if "startup" in names:
        rows = startup_figures(settings, startups) + rows
    return rows
