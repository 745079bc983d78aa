"""The Train tab: gradient descent on W, one epoch at a time, with its loss drawn as it falls.

Threading: a thread worker does nothing but `run.step()` in a loop (the core appends each
loss to `run.losses`); a 4 Hz timer on the UI thread reads that list and redraws. Every
step and every change to the run (reset, lr, λ) happens under `_step_lock`, and the worker
checks for cancellation inside it, so once the UI holds the lock after cancelling, no
further epoch can land on the run.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Static
from textual.worker import Worker, WorkerState, get_current_worker

from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_REG

from .loss_plot import LossPlot
from .pane import Pane

if TYPE_CHECKING:
    from bigram_tui.core.neural import TrainingRun

MAX_EPOCHS = 1_000_000

REDRAW_SECONDS = 1 / 3  # 4 Hz wrote 30–35 KiB/s at 120×40 (bench); the goal is ≤ 30
# A plot redraw blocks the UI thread (10-30 ms at 120×40, several times that on a busy
# machine); keys wait behind it. While training, redraws are spaced so that plotting
# takes at most about a tenth of the UI thread's time.
PLOT_TIME_SHARE = 0.1
YIELD_EVERY = 8  # epochs between the worker's time.sleep(0), so the UI thread gets the GIL
# The core only stops on NaN/inf, which float64 rarely reaches: at lr=1e6 the loss
# bounces around 35,000 for ever. A loss that has doubled since the current settings
# took effect is gradient descent running away, and is reported as divergence.
BLOWUP_FACTOR = 2.0
FIRST_EPOCHS_SHOWN = 3  # the lecture prints these: 3.7590, 3.3711, 3.1540

PAUSED, RUNNING, FINISHED, DIVERGED = "paused", "running", "finished", "diverged"
STATE_MARKS = {PAUSED: "⏸", RUNNING: "▶", FINISHED: "✓", DIVERGED: "✗"}


def _number(text: str) -> float:
    value = float(text.strip().replace("_", ""))
    if not math.isfinite(value):
        raise ValueError
    return value


def parse_lr(text: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ValueError("lr must be a number > 0")
    return value


def parse_reg(text: str) -> float:
    try:
        value = _number(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ValueError("λ must be a number ≥ 0")
    return value


def parse_epochs(text: str) -> int:
    reason = f"epochs must be a whole number 1–{MAX_EPOCHS:,}"
    try:
        value = _number(text)
    except ValueError:
        raise ValueError(reason) from None
    if not value.is_integer() or not 1 <= value <= MAX_EPOCHS:
        raise ValueError(reason)
    return int(value)


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the Input's id is f"train-{name}"
    label: str
    default: str
    hint: str  # shown under the field while its value is valid: what the number does
    parse: Callable[[str], float | int]


FIELDS = (
    FieldSpec("lr", "lr", "50", "W -= lr · ∂loss/∂W", parse_lr),
    FieldSpec("epochs", "epochs", "500", "train up to this epoch", parse_epochs),
    FieldSpec("reg", "λ", "0", "loss += λ · mean(W²)", parse_reg),
)


class TrainingFields(Vertical):
    """The hyperparameter fields. Escape (and enter) hand the keys back to the plot."""

    BINDINGS = [Binding("escape", "leave", "Back to the plot", show=False)]

    def action_leave(self) -> None:
        for pane in self.ancestors:
            if isinstance(pane, TrainPane):
                pane.focus_default()


class TrainPane(Pane):
    """Trains the one-hot neural bigram (session.run) and plots its loss per epoch."""

    TITLE = "Train"
    BINDINGS = [
        Binding("space", "toggle_run", "Start/pause"),
        Binding("n", "step", "Step 1 epoch"),
        Binding("s", "step", "Step 1 epoch", show=False),
        Binding("r", "reset", "Reset W"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.state = PAUSED
        self.target_epochs = DEFAULT_EPOCHS
        self._floor: float | None = None
        self._step_lock = threading.Lock()
        self._worker: Worker[None] | None = None
        # Written by the worker, read by the UI: why the last run stopped on its own.
        self._stop_reason: tuple[str, str] | None = None
        self._baseline_loss: float | None = None  # first loss under the current settings
        self._drawn: tuple[int, int] | None = None  # (id of losses list, epochs) last drawn
        self._plot_shown_at = 0.0
        self._rate_mark: tuple[float, int] = (0.0, 0)
        self._rate: float | None = None
        self._ticker: Timer | None = None

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="train-body"):
            yield LossPlot(id="train-plot")
            with Vertical(id="train-side"):
                with TrainingFields(id="train-fields"):
                    for spec in FIELDS:
                        with Horizontal(classes="train-field"):
                            yield Label(spec.label, classes="train-field-label")
                            yield Input(
                                spec.default,
                                id=f"train-{spec.name}",
                                compact=True,
                                select_on_focus=True,
                            )
                        yield Static(spec.hint, id=f"train-{spec.name}-reason", classes="hint")
                yield Static(id="train-losses")
        with Horizontal(id="train-statusbar"):
            yield Label(id="train-state")
            yield Static(id="train-status")
        yield Static(id="train-message")

    @property
    def run(self) -> TrainingRun:
        assert self.session is not None, "TrainPane used before attach()"
        return self.session.run

    def on_attach(self) -> None:
        self._floor = self.session.dataset_score(0).mean_nll if self.session else None
        self.run.lr, self.run.reg = DEFAULT_LR, DEFAULT_REG
        self._ticker = self.set_interval(REDRAW_SECONDS, self._on_tick, pause=True)
        self._refresh_view(force=True)
        # Focus may have landed in here while loading hid our keys; let the footer show them.
        self.refresh_bindings()

    def default_focus(self) -> Widget:
        return self.query_one(LossPlot)

    # ----- keys -------------------------------------------------------------------------

    def action_toggle_run(self) -> None:
        if self.session is None:
            return
        if self.state == RUNNING:
            self.pause()
        else:
            self.start()

    def action_step(self) -> None:
        if self.session is None:
            return
        if self.state == RUNNING:
            self.pause()
        if not self._may_continue():
            return
        with self._step_lock:
            self._rate = None
            reason = self._step_once()
        if reason is not None:
            self._stop(*reason)
        elif self.run.epoch >= self.target_epochs:
            self._stop(FINISHED, "")
        self._refresh_view()

    def action_reset(self) -> None:
        if self.session is None:
            return
        self._cancel_worker()
        with self._step_lock:
            self.run.reset()
            self._baseline_loss = None
            self._stop_reason = None
        self.state = PAUSED
        self._rate = None
        self._refresh_view(force=True)
        self.notify(f"W re-initialised from seed {self.run.seed}", timeout=2)

    # ----- running ----------------------------------------------------------------------

    def start(self) -> None:
        if self.state == RUNNING or not self._may_continue():
            return
        self._stop_reason = None
        self.state = RUNNING
        self._rate_mark = (time.perf_counter(), self.run.epoch)
        self._rate = None
        self._worker = self._train()
        if self._ticker is not None:
            self._ticker.resume()
        self._refresh_view()

    def pause(self) -> None:
        if self.state != RUNNING:
            return
        self._cancel_worker()
        self.state = PAUSED
        self._refresh_view()

    def _may_continue(self) -> bool:
        """Whether another epoch may run; says why not when it may not."""
        if self.state == DIVERGED:
            self.notify("Training diverged: press r to reset W (and lower lr).", severity="warning")
            return False
        if self.run.epoch >= self.target_epochs:
            self.state = FINISHED
            self._refresh_view()
            self.notify(
                f"Reached {self.target_epochs:,} epochs: raise epochs or press r to reset.",
                timeout=3,
            )
            return False
        return True

    def _cancel_worker(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        # Once we hold the lock, the cancelled worker cannot start another step.
        with self._step_lock:
            pass
        if self._ticker is not None:
            self._ticker.pause()

    def _step_once(self) -> tuple[str, str] | None:
        """One epoch; the caller holds `_step_lock`. Returns (state, message) if it must stop."""
        from bigram_tui.core.neural import TrainingDiverged

        run = self.run
        try:
            loss = run.step().loss
        except TrainingDiverged as error:
            return DIVERGED, str(error)
        if self._baseline_loss is None:
            self._baseline_loss = loss
        elif loss > BLOWUP_FACTOR * self._baseline_loss:
            return DIVERGED, (
                f"loss {loss:,.4f} at epoch {run.epoch - 1} is over {BLOWUP_FACTOR:g}× where "
                f"it started ({self._baseline_loss:.4f}): lr={run.lr:g} is too large; "
                "press r to reset"
            )
        return None

    @work(thread=True, exclusive=True, group="training")
    def _train(self) -> None:
        # No UI calls in here: the timer reads run.losses and self._stop_reason.
        import torch

        # A 27×27 epoch is too small to share between threads, and on a busy machine an
        # OpenMP team waiting for a descheduled partner runs 10-50× slower. The setting
        # is per thread under OpenMP; it is restored because pool threads are reused.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self._train_loop(get_current_worker())
        finally:
            torch.set_num_threads(threads)

    def _train_loop(self, worker: Worker[None]) -> None:
        run = self.run
        since_yield = 0
        while True:
            with self._step_lock:
                if worker.is_cancelled:
                    return
                if run.epoch >= self.target_epochs:
                    self._stop_reason = (FINISHED, "")
                    return
                reason = self._step_once()
                if reason is not None:
                    self._stop_reason = reason
                    return
            since_yield += 1
            if since_yield >= YIELD_EVERY:
                since_yield = 0
                time.sleep(0)  # hands the GIL to the UI thread if it is waiting

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # One message per run, not per epoch: the worker ended by itself.
        if event.worker is not self._worker or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        self._worker = None
        if self._ticker is not None:
            self._ticker.pause()
        if event.state == WorkerState.ERROR:
            self._stop(DIVERGED, f"training stopped: {event.worker.error}")
        else:
            state, message = self._stop_reason or (PAUSED, "")
            self._stop(state, message)
        self._refresh_view()

    def _stop(self, state: str, message: str) -> None:
        self.state = state
        self._stop_reason = (state, message)
        if state == DIVERGED:
            self.notify(message, title="Training diverged", severity="error", timeout=8)
        elif state == FINISHED:
            loss = self.run.losses[-1] if self.run.losses else math.nan
            self.notify(f"Finished {self.run.epoch:,} epochs: loss {loss:.6f}", timeout=3)

    def _on_tick(self) -> None:
        now, epoch = time.perf_counter(), self.run.epoch
        then, before = self._rate_mark
        if now > then and epoch >= before:
            self._rate = (epoch - before) / (now - then)
        self._rate_mark = (now, epoch)
        self._refresh_view()

    # ----- fields -----------------------------------------------------------------------

    @on(Input.Changed, "#train-fields Input")
    def _field_changed(self, event: Input.Changed) -> None:
        spec = next(s for s in FIELDS if f"train-{s.name}" == event.input.id)
        reason = self.query_one(f"#train-{spec.name}-reason", Static)
        try:
            value = spec.parse(event.value)
        except ValueError as error:
            reason.update(str(error))
            reason.set_classes("reason")
            return
        reason.update(spec.hint)
        reason.set_classes("hint")
        if self.session is not None:
            self._apply(spec.name, value)

    @on(Input.Submitted, "#train-fields Input")
    def _field_submitted(self, event: Input.Submitted) -> None:
        self.focus_default()

    def _apply(self, name: str, value: float) -> None:
        """Takes effect between two epochs: the run continues with the new value."""
        run = self.run
        with self._step_lock:
            if name == "lr" and value != run.lr:
                run.lr = value
                self._baseline_loss = None
            elif name == "reg" and value != run.reg:
                run.reg = value
                self._baseline_loss = None
            elif name == "epochs":
                self.target_epochs = int(value)
        if name == "epochs" and self.state == FINISHED and run.epoch < self.target_epochs:
            self.state = PAUSED
        # The epochs field sets the plot's x axis.
        self._refresh_view(force=name == "epochs")

    # ----- drawing ----------------------------------------------------------------------

    def _refresh_view(self, force: bool = False) -> None:
        if self.session is None:
            return
        losses = self.run.losses
        drawn = (id(losses), len(losses))
        if force or (drawn != self._drawn and self._plot_due()):
            self._drawn = drawn
            self.query_one("#train-losses", Static).update(self._losses_table(losses))
            # Let the status answer a key press in this frame, and the plot follow in the next.
            self.call_after_refresh(self._redraw_plot)
        state = self.query_one("#train-state", Label)
        state.update(f" {STATE_MARKS[self.state]} {self.state} ")
        state.set_classes(self.state)
        self.query_one("#train-status", Static).update(self.status_line())
        message = self._stop_reason[1] if self.state == DIVERGED and self._stop_reason else ""
        message_line = self.query_one("#train-message", Static)
        message_line.update(message)
        message_line.display = bool(message)

    def _plot_due(self) -> bool:
        if self.state != RUNNING:
            return True  # a key press or the end of a run: show where it stands now
        plot = self.query_one(LossPlot)
        interval = max(REDRAW_SECONDS, plot.render_seconds / PLOT_TIME_SHARE)
        return time.perf_counter() - self._plot_shown_at >= interval - 0.01

    def _redraw_plot(self) -> None:
        if self.session is not None:
            self._plot_shown_at = time.perf_counter()
            self.query_one(LossPlot).show(self.run.losses, self._floor, self.target_epochs)

    def status_line(self) -> str:
        """Epoch, loss, speed: what the status bar shows beside the state."""
        run = self.run
        losses = run.losses
        loss = f"{losses[-1]:.6f}" if losses else "—"
        rate = f"{self._rate:,.0f}" if self._rate is not None else "—"
        return f"epoch {run.epoch:,}/{self.target_epochs:,}  loss {loss}  {rate} epochs/s"

    def _losses_table(self, losses: list[float]) -> Content:
        """The first epochs (the lecture prints them) and as many of the latest as fit."""
        header = ("epoch   loss\n", "bold")
        count = len(losses)
        if count == 0:
            return Content.assemble(header, ("press space to train,\nn for one epoch", "dim"))
        rows_available = max(self.query_one("#train-losses").size.height - 1, 6)
        latest = max(rows_available - FIRST_EPOCHS_SHOWN - 1, 2)
        first = list(range(min(FIRST_EPOCHS_SHOWN, count)))
        tail_start = max(len(first), count - latest)
        if tail_start > len(first):
            shown = [*first, None, *range(tail_start, count)]
        else:
            shown = list(range(count))[: FIRST_EPOCHS_SHOWN + latest + 1]
        # One plain string: styled spans per row make Textual's render ~50× slower.
        rows = "\n".join(
            "    ⋮" if index is None else f"{index:>5}   {losses[index]:.4f}" for index in shown
        )
        return Content.assemble(header, rows)
