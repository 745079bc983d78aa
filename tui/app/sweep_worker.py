"""Running the core's sweeps in a Textual thread worker: its cancel flag."""

from __future__ import annotations

from textual.worker import Worker


class WorkerCancel:
    """The core's `cancel` (anything with is_set) for a Textual worker."""

    def __init__(self, worker: Worker) -> None:
        self._worker = worker

    def is_set(self) -> bool:
        return self._worker.is_cancelled
