"""r3-threads: each kind of work timed at one torch intra-op thread and at all of them.

Issue 20, goal 3: one thread for the small tensors of counts, scores and single rows, more
only where a measured operation gains. The rule the product follows is core.threads; this
figure times both settings on the same work, alternating them so that the machine's load
falls on both alike, first on the machine as it is and then with every core kept busy by
spinning processes (a classroom's serve host, or a student's laptop doing something else).
Each is the mean time of a call, since a pool's cost is its occasional long wait for a
partner the scheduler has put aside. A rule is right for a kind of work when its choice
has the lower sum of the two means (within 10 %): an even bet on the machine being busy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from bigram_tui.core.neural import LINEAR, TABLE, TrainingRun
from bigram_tui.core.session import Session
from bigram_tui.core.threads import threads_for_numbers

from .results import Row, seconds, time_once, yes_no
from .round3_figures import Settings

NEAR = 1.1  # within this factor of the faster setting, a choice is as good


@dataclass(frozen=True)
class Work:
    label: str
    run: Callable[[], object]
    numbers: int  # the size core.threads judges the work by (0: small work)


def _epoch_of(run: TrainingRun) -> Callable[[], object]:
    """An epoch's work without TrainingRun.step, which applies the rule itself."""

    def epoch() -> object:
        _, grad = run.loss_and_grad(run.weights)
        return run.weights - run.lr * grad

    return epoch


def _works(session: Session) -> list[Work]:
    from bigram_tui.core.counts import NgramCounts
    from bigram_tui.core.scoring import score_counts

    words = list(session.split.train)
    model = session.model("counts", 0.1, 4)
    parts = session.part_counts(4)
    dev_test = [parts["dev"], parts["test"]]
    nets = {
        "order-2 table": TrainingRun(session.train_counts(2), TABLE),
        "order-4 table": TrainingRun(session.train_counts(4), TABLE),
        "order-4 linear": TrainingRun(session.train_counts(4), LINEAR),
        "order-6 table": TrainingRun(session.train_counts(6), TABLE),
    }
    session.sample(1_000, model)  # the rows, made once
    return [
        Work("count the 4-grams", lambda: NgramCounts.from_words(words, 4, session.vocab), 0),
        Work("score dev + test, order 4", lambda: [score_counts(model, p) for p in dev_test], 0),
        Work("sample 1,000 names, order 4", lambda: session.sample(1_000, model), 0),
        *(
            Work(f"one epoch, {name} net", _epoch_of(run), run.objective.numbers)
            for name, run in nets.items()
        ),
    ]


@contextmanager
def _every_core_busy() -> Iterator[None]:
    spin = "import time\nend = time.time() + 120\nwhile time.time() < end: pass\n"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def _both(work: Work, most: int, repeats: int) -> tuple[float, float]:
    """(one thread, `most` threads): the mean time of a call over alternating bursts. The
    mean, not the median: a pool's cost is its occasional long wait for a descheduled
    partner, and a user waits for the mean."""
    one: list[float] = []
    many: list[float] = []
    for _ in range(repeats):
        for threads, times in ((1, one), (most, many)):
            torch.set_num_threads(threads)
            deadline, calls = time.perf_counter() + 0.1, 0
            while calls < 30 and (calls < 3 or time.perf_counter() < deadline):
                times.append(time_once(work.run)[0])
                calls += 1
    return statistics.fmean(one), statistics.fmean(many)


def threads_figure(settings: Settings) -> list[Row]:
    session = Session.load(settings.data, notebook_sum=False, split=(0.8, 0.1, 0.1))
    most = torch.get_num_threads()
    repeats = 3 if settings.quick else 7
    works = _works(session)
    try:
        for work in works:
            work.run()  # warm-up: caches and the thread pool
        idle = [_both(work, most, repeats) for work in works]
        with _every_core_busy():
            busy = [_both(work, most, repeats) for work in works]
    finally:
        torch.set_num_threads(most)
    rows = []
    for work, (idle_one, idle_many), (busy_one, busy_many) in zip(works, idle, busy):
        chosen = threads_for_numbers(work.numbers, most)
        single, pooled = idle_one + busy_one, idle_many + busy_many
        right = (single if chosen == 1 else pooled) <= NEAR * min(single, pooled)
        rows.append(
            Row(
                f"threads: {work.label}",
                f"{most} threads: {seconds(idle_many)} / busy {seconds(busy_many)}",
                f"1 thread: {seconds(idle_one)} / busy {seconds(busy_one)}",
                f"rule: {chosen}",
                "the rule picks the faster, idle + busy",
                yes_no(right),
                [],
            )
        )
    rows[0].notes.append(
        f"r3 threads: each work at 1 and {most} torch threads, alternated, on the machine as "
        f"it is and with {os.cpu_count()} spinning processes; the rule is core.threads "
        "(one thread below PARALLEL_FROM numbers)"
    )
    return rows
