"""Running the core's sweeps in a Textual thread worker: its cancel flag and paced progress."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.worker import Worker


class WorkerCancel:
    """The core's `cancel` (anything with is_set) for a Textual worker."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    def is_set(self) -> bool:
        return self._worker.is_cancelled


class CoalescedProgress:
    """Passes on progress(done, total) at most once per `interval` seconds, and always the last."""

    def __init__(self, report: Callable[[int, int], None], interval: float) -> None:
        self._report = report
        self._interval = interval
        self._last = -float("inf")

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= self._interval:
            self._last = now
            self._report(done, total)
