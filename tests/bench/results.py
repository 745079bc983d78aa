"""What a benchmark hands back (one row of the table), and the small statistics they share."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


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


def time_once(fn: Callable[[], T]) -> tuple[float, T]:
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


@dataclass
class Alternation(Generic[T]):
    """Reference and our times, taken in turns, and what the last reference call returned."""

    reference_times: list[float]
    our_times: list[float]
    reference_result: T

    @property
    def reference(self) -> float:
        return median(self.reference_times)

    @property
    def ours(self) -> float:
        return median(self.our_times)

    @property
    def ratio(self) -> float:
        return speedup(self.reference, self.ours)


def alternate(
    rounds: int,
    reference: Callable[[], T],
    ours: Callable[[], object],
    budget: float,
    max_calls: int = 1000,
) -> Alternation[T]:
    """`rounds` turns of one timed reference call, then our median (time_fast), so that a
    burst of load from another process lands on both."""
    reference_times: list[float] = []
    our_times: list[float] = []
    for _ in range(rounds):
        reference_time, result = time_once(reference)
        reference_times.append(reference_time)
        our_times.append(time_fast(ours, budget=budget, max_calls=max_calls))
    return Alternation(reference_times, our_times, result)


def run_figure(
    label: str, name: str, figure: Callable[[], list[Row]], row_name: str | None = None
) -> list[Row]:
    """The rows of `figure()`, between two progress lines; one that raises becomes an error
    row named `row_name` (default `name`), so that it does not cost the whole table."""
    log(f"{label}: {name}")
    began = time.perf_counter()
    try:
        rows = figure()
    except Exception as error:
        rows = [failed(row_name or name, "—", error)]
    log(f"  {name}: {time.perf_counter() - began:.1f} s")
    return rows


def log(message: str) -> None:
    """Progress goes to stderr so that stdout is only the table (for --markdown)."""
    print(message, file=sys.stderr, flush=True)
