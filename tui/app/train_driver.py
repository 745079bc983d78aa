"""Runs a TrainingRun's epochs on a thread worker, so the UI thread stays free.

The worker does nothing but `run.step()` in a loop (the core appends each loss to
`run.losses`, which the pane's timer reads). Every step and every change to the run
(reset, lr, λ) happens under `lock`, and the worker checks for cancellation inside it,
so once the UI holds the lock after cancelling, no further epoch can land on the run.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from textual.worker import Worker, get_current_worker

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from bigram_tui.core.errors import TrainingDiverged
    from bigram_tui.core.session import TrainingRun

PAUSED, RUNNING, FINISHED, DIVERGED = "paused", "running", "finished", "diverged"
YIELD_EVERY = 8  # epochs between the worker's time.sleep(0), so the UI thread gets the GIL

Stop = tuple[str, str]  # (the state training stopped in, the message to show)


def diverged_message(error: TrainingDiverged) -> str:
    """The core's line, and this front end's way out (the CLI names its flags instead)."""
    # λ's penalty can overflow on its own, so it is named when it is set.
    smaller = "lr or λ" if error.reg > 0 else "lr"
    return f"{error.describe()}; press r to reset W, then try a smaller {smaller}"


class TrainingDriver:
    """The one way the Train pane changes its run: a step, a run on a worker, reset, lr, λ."""

    def __init__(self, host: DOMNode, run: TrainingRun, target_epochs: int) -> None:
        self.host = host  # whose worker manager runs the training thread
        self.run = run
        self.target_epochs = target_epochs  # read by the worker
        self.lock = threading.Lock()
        self.worker: Worker[None] | None = None
        # Written by the worker, read by the UI: why the last run stopped on its own.
        self.stop_reason: Stop | None = None
        self.pace: float | None = None  # at most this many epochs per second; None: no limit

    # ----- on the UI thread -------------------------------------------------------------

    def step(self) -> Stop | None:
        """One epoch now; returns why training must stop, if it must."""
        with self.lock:
            return self._step_once()

    def start(self) -> None:
        self.stop_reason = None
        self.worker = self.host.run_worker(
            self._train, thread=True, exclusive=True, group="training"
        )

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None
        # Once we hold the lock, the cancelled worker cannot start another step.
        with self.lock:
            pass

    def reset(self) -> None:
        self.cancel()
        with self.lock:
            self.run.reset()
            self.stop_reason = None

    def replace(self, run: TrainingRun) -> None:
        """Train `run` from now on (another order, net or split, or a model loaded from a file)."""
        self.cancel()
        with self.lock:
            self.run = run
            self.stop_reason = None

    def set(self, name: str, value: float) -> None:
        """lr, reg or epochs; takes effect between two epochs, and the run continues."""
        run = self.run
        with self.lock:
            # Only a change: the core judges divergence afresh from each new lr or λ.
            if name == "lr" and value != run.lr:
                run.lr = value
            elif name == "reg" and value != run.reg:
                run.reg = value
            elif name == "epochs":
                self.target_epochs = int(value)

    def ended(self, worker: Worker[None]) -> bool:
        """Whether `worker` is this driver's run, now over; the driver then forgets it."""
        if worker is not self.worker:
            return False
        self.worker = None
        return True

    # ----- on the worker thread, or under the lock ------------------------------------

    def _step_once(self) -> Stop | None:
        from bigram_tui.core.errors import TrainingDiverged

        try:
            # With dev counts (a run on the split) each epoch records its dev loss too.
            self.run.step(with_dev=self.run.dev is not None)
        except TrainingDiverged as error:
            return DIVERGED, diverged_message(error)
        return None

    def _train(self) -> None:
        # No UI calls in here: the pane's timer reads run.losses and stop_reason. Each
        # epoch takes its torch threads from core.threads' rule (TrainingRun.step).
        self._train_loop(get_current_worker())

    def _train_loop(self, worker: Worker[None]) -> None:
        run = self.run
        since_yield = 0
        due = time.perf_counter()  # when the next epoch may run, with a pace set
        while True:
            pace = self.pace  # read every epoch: the user may change it mid-run
            if pace is not None:
                wait = due - time.perf_counter()
                if wait > 0 and not worker.is_cancelled:
                    time.sleep(min(wait, 0.05))  # short: a cancel or a new pace is seen soon
                    continue
                # From now, not from when it was due: a late epoch brings no burst after it.
                due = max(due, time.perf_counter()) + 1 / pace
            with self.lock:
                if worker.is_cancelled:
                    return
                if run.epoch >= self.target_epochs:
                    self.stop_reason = (FINISHED, "")
                    return
                reason = self._step_once()
                if reason is not None:
                    self.stop_reason = reason
                    return
            since_yield += 1
            if since_yield >= YIELD_EVERY:
                since_yield = 0
                time.sleep(0)  # hands the GIL to the UI thread if it is waiting
