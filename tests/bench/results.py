"""What a benchmark hands back (one row of the table), and the small statistics they share."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the table. `met` is "yes", "no", or "n/a" when nothing was measured."""

    figure: str
    reference: str
    ours: str
    ratio: str
    goal: str
    met: str
    notes: list[str] = field(default_factory=list)


def not_measured(figure: str, goal: str, reason: str) -> Row:
    return Row(figure, "—", "not measured", "—", goal, "n/a", [f"not measured: {reason}"])


def failed(figure: str, goal: str, error: BaseException) -> Row:
    return Row(figure, "—", "error", "—", goal, "n/a", [f"{type(error).__name__}: {error}"])


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: p90 of 20 samples is the 18th smallest, a value that occurred."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def speedup(reference: float, ours: float) -> float:
    return reference / ours if ours > 0 else float("inf")


def yes_no(condition: bool) -> str:
    return "yes" if condition else "no"


def time_once(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def time_fast(fn: Callable[[], object], budget: float = 0.2, max_calls: int = 1000) -> float:
    """Median time of a fast call, repeated for about `budget` seconds.

    A single millisecond-scale call is at the mercy of a context switch on a busy
    machine; the median of many is not.
    """
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < max_calls):
        times.append(time_once(fn)[0])
    return median(times)


def log(message: str) -> None:
    """Progress goes to stderr so that stdout is only the table (for --markdown)."""
    print(message, file=sys.stderr, flush=True)
