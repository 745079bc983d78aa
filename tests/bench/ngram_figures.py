"""The n-gram figures (issue 12, "Speed"): orders up to 5, the split, the k and λ sweeps.

ngram-counts   names.txt at order 5 against order 2, alternating, medians
ngram-bigfile  the 50 MB word list at order 5 in a fresh process (order 2 beside it)
ngram-ksweep   the 40-value k sweep on dev at order 3 (one k, the same pass, beside it)
ngram-lambda   the 20-value λ sweep of the bigram table net (one net beside it)
ngram-sample   1,000 names at order 4 through the session, against 1,000 at order 2
ngram-rss      the app's peak RSS at order 5 under the bench's pty, and the 5-gram
               counts built with the app's modules in a fresh process
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import torch

from bigram_tui.core.convergence import train_to_convergence
from bigram_tui.core.counts import NgramCounts, count_split
from bigram_tui.core.data import read_words
from bigram_tui.core.neural import TABLE, CountsObjective
from bigram_tui.core.split import split_words
from bigram_tui.core.sweeps import k_grid, k_sweep, lambda_grid, lambda_sweep, mean_nll_for_ks

from .app_figures import COLS, LOAD_TIMEOUT, PAINT_TIMEOUT, ROWS, app_command
from .fresh_process import run_child, worst_growth_mib
from .pty_terminal import PtyTerminal
from .results import Row, median, not_measured, seconds, time_fast, time_once, yes_no
from .wordlist import BIG_FILE_BYTES, big_word_list

HIGH_ORDER, BIGRAM = 5, 2
EVALUATE_TIMEOUT = 120.0  # the Evaluate pane counts orders 1–5 on the split, then sweeps k
EVALUATE_DONE = re.compile(r"5 5-gram\s+\d")  # its table's 5-gram row, once scored


@dataclass(frozen=True)
class Settings:
    data: Path
    quick: bool
    workdir: Path  # a temporary directory for generated files
    big_file_bytes: int = BIG_FILE_BYTES  # the smoke test counts a small one

    @property
    def repeats(self) -> int:
        return 3 if self.quick else 7


# --- counting names.txt at order 5 -------------------------------------------------------


def counts_figure(settings: Settings) -> list[Row]:
    words = read_words(settings.data)
    NgramCounts.from_words(words, HIGH_ORDER)  # warm-up: kernels, allocator
    bigram_times, high_times = [], []
    for round_ in range(settings.repeats):
        # Which order goes first swaps each round, so neither always follows the other.
        for order in (BIGRAM, HIGH_ORDER) if round_ % 2 == 0 else (HIGH_ORDER, BIGRAM):
            took, counts = time_once(partial(NgramCounts.from_path, settings.data, order))
            if order == BIGRAM:
                bigram_times.append(took)
                bigram = counts
            else:
                high_times.append(took)
                high = counts
    assert isinstance(bigram, NgramCounts) and isinstance(high, NgramCounts)
    same_examples = bigram.total == high.total
    ratio = median(high_times) / median(bigram_times)
    return [
        Row(
            f"count {settings.data.name} at order 5",
            seconds(median(bigram_times)) + " (order 2)",
            seconds(median(high_times)),
            f"{ratio:.1f}×",
            "≤ 3× order 2",
            yes_no(ratio <= 3 and same_examples),
            [
                f"ngram counts: NgramCounts.from_path at orders 2 and 5, alternating, medians "
                f"of {settings.repeats}, the first of each pair swapping; {high.total:,} "
                f"examples at both orders: {yes_no(same_examples)}; distinct n-grams "
                f"{bigram.entries:,} (order 2), {high.entries:,} (order 5)"
            ],
        )
    ]


# --- the 50 MB word list at order 5 ------------------------------------------------------

# A fresh interpreter per run (fresh_process.py), so the peak is the counting's own.
_COUNT_IN_CHILD = r"""
from bigram_tui.core.counts import NgramCounts

import torch
torch.set_num_threads(int(sys.argv[3]))
order = int(sys.argv[2])
NgramCounts.from_words(["warm", "up"], order)
before = status("VmRSS")
reset = reset_peak()
start = time.perf_counter()
counts = NgramCounts.from_path(sys.argv[1], order)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rss_before_kib": before, "hwm_after_kib": status("VmHWM"),
                  "hwm_reset": reset, "words": counts.words, "total": counts.total,
                  "entries": counts.entries}))
"""


def _count_in_child(path: Path, order: int) -> dict:
    return run_child(_COUNT_IN_CHILD, path, order, torch.get_num_threads())


def big_file_figure(settings: Settings) -> list[Row]:
    # The file core_figures counts: both figures count the same one in a run.
    path = big_word_list(settings.workdir, settings.data, settings.big_file_bytes)
    bigram_runs, high_runs = [], []
    for _ in range(1 if settings.quick else 2):
        bigram_runs.append(_count_in_child(path, BIGRAM))
        high_runs.append(_count_in_child(path, HIGH_ORDER))
    elapsed = median([r["seconds"] for r in high_runs])
    growth_mib = worst_growth_mib(high_runs)
    growth_mb = growth_mib * 1024 * 1024 / 1e6
    bigram_growth = worst_growth_mib(bigram_runs)
    last = high_runs[-1]
    size = path.stat().st_size
    # Every word predicts len(word) + 1 tokens at every order: its line's bytes with the "\n".
    consistent = last["total"] == size == bigram_runs[-1]["total"]
    met = elapsed <= 3.0 and growth_mb <= 300 and consistent
    return [
        Row(
            f"count a {size / 1e6:.0f} MB word list at order 5",
            f"{median([r['seconds'] for r in bigram_runs]):.2f} s, +{bigram_growth:.0f} MiB "
            "(order 2)",
            f"{elapsed:.2f} s, +{growth_mib:.0f} MiB peak",
            f"{elapsed / median([r['seconds'] for r in bigram_runs]):.1f}× time",
            "≤ 3 s, ≤ 300 MB growth",
            yes_no(met),
            [
                f"ngram 50 MB: {last['words']:,} words, {last['total']:,} examples (= file "
                f"bytes: {yes_no(consistent)}), {last['entries']:,} distinct 5-grams; "
                f"NgramCounts.from_path in a fresh process per run ({torch.get_num_threads()} "
                f"torch threads), orders 2 and 5 alternating, median of {len(high_runs)}; "
                "peak growth = VmHWM after − VmRSS before "
                f"(VmHWM reset first: {yes_no(last['hwm_reset'])}), worst run"
            ],
        )
    ]


# --- the k sweep on dev at order 3 -------------------------------------------------------


def k_sweep_figure(settings: Settings) -> list[Row]:
    split = split_words(read_words(settings.data))
    count_time, (train, dev, test) = time_once(lambda: count_split(split, 3))
    grid = k_grid()
    sweep = k_sweep(train, dev, test)  # warm-up, and the result the note reports
    budget = 0.3 if settings.quick else 1.0
    sweep_times, one_k_times = [], []
    for _ in range(settings.repeats):
        sweep_times.append(time_fast(lambda: k_sweep(train, dev, test), budget=budget / 3))
        one_k_times.append(
            time_fast(lambda: mean_nll_for_ks(train, dev, [sweep.best_k]), budget=budget / 3)
        )
    ours, one_k = median(sweep_times), median(one_k_times)
    at_zero = sweep.dev_nll[grid.index(0.0)]
    return [
        Row(
            f"k sweep on dev, order 3 ({len(grid)} values)",
            seconds(one_k) + " (one k)",
            seconds(ours),
            f"{ours / one_k:.1f}× one k",
            "≤ 50 ms",
            yes_no(ours <= 0.050 and len(grid) == 40),
            [
                f"ngram k sweep: sweeps.k_sweep(train, dev, test) on count_split at order 3 "
                f"({split.sizes[0]:,}/{split.sizes[1]:,}/{split.sizes[2]:,} words, counted in "
                f"{seconds(count_time)}, not timed); reference: mean_nll_for_ks on dev at one k; "
                f"{settings.repeats} alternations of medians of repeated calls ({len(grid)} one-k "
                f"calls would take {seconds(len(grid) * one_k)}); best k "
                f"{sweep.best_k:.3g}: dev {sweep.best_dev_nll:.4f}, test "
                f"{sweep.test_nll:.4f}; dev at k=0: {at_zero:.4f}"
            ],
        )
    ]


# --- the λ sweep of the bigram net -------------------------------------------------------


def lambda_sweep_figure(settings: Settings) -> list[Row]:
    split = split_words(read_words(settings.data))
    train, dev, test = count_split(split, BIGRAM)
    grid = lambda_grid()
    objective = CountsObjective(train, TABLE)
    train_to_convergence(objective, grid[0])  # warm-up
    one_net_times, sweep_times = [], []
    for _ in range(1 if settings.quick else 3):
        one_net_times.append(time_once(lambda: train_to_convergence(objective, grid[0]))[0])
        sweep_time, sweep = time_once(lambda: lambda_sweep(train, dev, test))
        sweep_times.append(sweep_time)
    ours, one_net = median(sweep_times), median(one_net_times)
    converged = sum(sweep.converged)
    return [
        Row(
            f"λ sweep, bigram table net ({len(sweep.lambdas)} values)",
            seconds(one_net) + f" (one net, λ={grid[0]:g})",
            seconds(ours),
            f"{ours / one_net:.1f}× one net",
            "≤ 2 s",
            yes_no(ours <= 2.0 and converged == len(sweep.lambdas) == 20),
            [
                f"ngram λ sweep: sweeps.lambda_sweep(train, dev, test) on count_split at order 2, "
                f"each net trained to convergence from the same seed, median of "
                f"{len(sweep_times)}; {converged}/{len(sweep.lambdas)} converged, "
                f"{min(sweep.iterations)}–{max(sweep.iterations)} iterations per net; best λ "
                f"{sweep.best_lambda:.3g}: dev {sweep.best_dev_nll:.4f}; matching k "
                f"{sweep.nearest_k:.3g}; {torch.get_num_threads()} torch threads"
            ],
        )
    ]


# --- the app's peak RSS with a 5-gram model ----------------------------------------------

RSS_GOAL = "≤ 400 MB"
APP_RSS_FIGURE = "app: peak RSS at order 5"
MODULES_RSS_FIGURE = "app modules + 5-gram counts (no UI)"

# The app's modules and a 5-gram count of the whole file, in a fresh interpreter.
_APP_MODULES_IN_CHILD = r"""
import bigram_tui.tui.app.app  # everything the app imports, Textual included
from bigram_tui.core.counts import NgramCounts

before = status("VmHWM")
counts = NgramCounts.from_path(sys.argv[1], 5)
print(json.dumps({"hwm_before_kib": before, "hwm_after_kib": status("VmHWM"),
                  "entries": counts.entries}))
"""


def _order_flag_supported(command: list[str]) -> bool:
    done = subprocess.run([command[0], "--help"], capture_output=True, text=True, timeout=30)
    return "--order" in done.stdout


def _app_peak_at_order_5(data: Path, ready_marker: str) -> tuple[int, str]:
    """Drive the real app to order 5 and the Evaluate pane; its VmHWM (KiB) and how."""
    command = app_command(data)
    by_flag = _order_flag_supported(command)
    with PtyTerminal(command + (["--order", "5"] if by_flag else []), cols=COLS, rows=ROWS) as term:
        if term.wait_for_first_paint(PAINT_TIMEOUT) is None:
            raise Unmeasurable(f"the app painted nothing in {PAINT_TIMEOUT:g} s")
        if term.wait_for_text(ready_marker, LOAD_TIMEOUT) is None:
            raise Unmeasurable(f"the ready marker {ready_marker!r} never appeared")
        if not by_flag:
            for _ in range(3):  # 2 → 3 → 4 → 5
                term.press("o")
                term.drain(0.3)
        term.press("5")
        if term.wait_for_text("tuned on dev, order 5", 10.0) is None:
            raise Unmeasurable("the Evaluate pane (key 5) does not say 'tuned on dev, order 5'")
        done = term.wait_until(
            lambda: (
                EVALUATE_DONE.search(term.text()) is not None
                and re.search(r"best k \d", term.text()) is not None
            ),
            EVALUATE_TIMEOUT,
        )
        if done is None:
            raise Unmeasurable("the Evaluate pane never showed its 5-gram row and best k")
        term.drain(1.0)  # let the panes settle
        peak = term.peak_rss_kib()
    if peak is None:
        raise Unmeasurable("/proc/PID/status has no VmHWM")
    how = "--order 5" if by_flag else "key o three times (the app has no --order flag yet)"
    return peak, how


def _whose_counts() -> str:
    from bigram_tui.tui.app.counts_pane import CountsPane
    from bigram_tui.tui.app.pane import Pane

    if CountsPane.use_order is Pane.use_order:
        return (
            "The 5-gram counts it holds are Evaluate's (train/dev/test at orders 1–5 on the "
            "split): the Counts pane does not follow the order in this build (no use_order)"
        )
    return "The Counts pane follows the order (CountsPane.use_order) besides Evaluate's counts"


class Unmeasurable(Exception):
    """The app does not show what the figure waits for; the message says what is missing."""


def rss_figure(settings: Settings) -> list[Row]:
    from bigram_tui.core.counts import NgramCounts

    bigram = NgramCounts.from_words(read_words(settings.data), 2)
    marker = f"{bigram.words:,} words · {bigram.vocab.size} tokens"
    rows = []
    try:
        peak, how = _app_peak_at_order_5(settings.data, marker)
        mb = peak * 1024 / 1e6
        rows.append(
            Row(
                APP_RSS_FIGURE,
                "none (absolute)",
                f"{mb:.0f} MB",
                "—",
                RSS_GOAL,
                yes_no(mb <= 400),
                [
                    f"ngram app RSS: the real app at {COLS}×{ROWS}, order 5 by {how}, then the "
                    "Evaluate pane (key 5) until its table shows the 5-gram row and the order-5 "
                    "k sweep; VmHWM of the app's process. " + _whose_counts()
                ],
            )
        )
    except Unmeasurable as reason:
        rows.append(not_measured(APP_RSS_FIGURE, RSS_GOAL, str(reason)))
    child = run_child(_APP_MODULES_IN_CHILD, settings.data)
    mb = child["hwm_after_kib"] * 1024 / 1e6
    rows.append(
        Row(
            MODULES_RSS_FIGURE,
            f"{child['hwm_before_kib'] * 1024 / 1e6:.0f} MB (the imports)",
            f"{mb:.0f} MB",
            "—",
            RSS_GOAL,
            yes_no(mb <= 400),
            [
                "ngram modules RSS: a fresh process imports bigram_tui.tui.app.app, then "
                f"NgramCounts.from_path({settings.data.name}, 5) ({child['entries']:,} distinct "
                "5-grams); VmHWM before and after; what the Counts pane would add at order 5"
            ],
        )
    )
    return rows


# --- sampling at order 4 against order 2 ---------------------------------------------------

SAMPLED_NAMES = 1_000


def sample_figure(settings: Settings) -> list[Row]:
    """Sampling should barely depend on the order: the rows of the contexts a sampler meets
    are built once, not per draw (issue 16). Both sides include that building."""
    from bigram_tui.core.session import Session

    session = Session.load(settings.data, notebook_sum=False)
    bigram, four = session.model("counts", 0, 2), session.model("counts", 0.1, 4)
    for model in (bigram, four):
        session.sample(SAMPLED_NAMES, model)  # warm-up: the counts, kernels, allocator
    budget = 0.3 if settings.quick else 1.0
    two_times, four_times = [], []
    for _ in range(settings.repeats):
        two_times.append(time_fast(lambda: session.sample(SAMPLED_NAMES, bigram), budget=budget))
        four_times.append(time_fast(lambda: session.sample(SAMPLED_NAMES, four), budget=budget))
    two, ours = median(two_times), median(four_times)
    ratio = ours / two
    stepper = session.sampler(four)
    step_time, stepped = time_once(lambda: [stepper.finish_name()[1] for _ in range(SAMPLED_NAMES)])
    same = stepped == session.sample(SAMPLED_NAMES, four)
    return [
        Row(
            f"sample {SAMPLED_NAMES:,} names at order 4",
            seconds(two) + " (order 2)",
            seconds(ours),
            f"{ratio:.1f}× order 2",
            "≤ 3× order 2",
            yes_no(ratio <= 3 and same),
            [
                f"ngram sample: Session.sample({SAMPLED_NAMES:,}) of the counts model at order 4 "
                f"(k = 0.1) against order 2 (k = 0), in-process, {settings.repeats} alternations "
                f"of medians; the step-by-step Sampler at order 4 takes {seconds(step_time)} and "
                f"draws the same names: {yes_no(same)}"
            ],
        )
    ]


FIGURES = {
    "ngram-counts": counts_figure,
    "ngram-sample": sample_figure,
    "ngram-bigfile": big_file_figure,
    "ngram-ksweep": k_sweep_figure,
    "ngram-lambda": lambda_sweep_figure,
    "ngram-rss": rss_figure,
}
