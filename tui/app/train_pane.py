"""The Train tab: gradient descent on W, one epoch at a time, with its loss drawn as it falls.

The epochs run on the TrainingDriver's thread worker; a 4 Hz timer on the UI thread reads
`run.losses` and redraws.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Label, Static
from textual.worker import Worker, WorkerState

from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_REG

from .loss_plot import LossPlot
from .messages import TrainingSettingChanged
from .pane import Pane
from .train_driver import DIVERGED, FINISHED, PAUSED, RUNNING, Stop, TrainingDriver
from .train_fields import TrainingFields

if TYPE_CHECKING:
    from bigram_tui.core.neural import TrainingRun

__all__ = ["DIVERGED", "FINISHED", "PAUSED", "RUNNING", "TrainPane"]

REDRAW_SECONDS = 1 / 3  # 4 Hz wrote 30–35 KiB/s at 120×40 (bench); the goal is ≤ 30
# A plot redraw blocks the UI thread (10-30 ms at 120×40, several times that on a busy
# machine); keys wait behind it. While training, redraws are spaced so that plotting
# takes at most about a tenth of the UI thread's time.
PLOT_TIME_SHARE = 0.1
FIRST_EPOCHS_SHOWN = 3  # the lecture prints these: 3.7590, 3.3711, 3.1540
STATE_MARKS = {PAUSED: "⏸", RUNNING: "▶", FINISHED: "✓", DIVERGED: "✗"}


class TrainPane(Pane):
    """Trains the one-hot neural bigram (session.run) and plots its loss per epoch."""

    TITLE = "Train"
    STYLESHEET = "train.tcss"
    BINDINGS = [
        Binding("space", "toggle_run", "Start/pause"),
        Binding("n", "step", "Step 1 epoch"),
        Binding("s", "step", "Step 1 epoch", show=False),
        Binding("r", "reset", "Reset W"),
    ]

    state: var[str] = var(PAUSED, init=False)
    target_epochs: var[int] = var(DEFAULT_EPOCHS, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._floor: float | None = None
        self._driver: TrainingDriver | None = None
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
                yield TrainingFields(id="train-fields")
                yield Static(id="train-losses")
        with Horizontal(id="train-statusbar"):
            yield Label(id="train-state")
            yield Static(id="train-status")
        yield Static(id="train-message")

    @property
    def run(self) -> TrainingRun:
        return self.session.run

    @property
    def driver(self) -> TrainingDriver:
        assert self._driver is not None, "TrainPane used before attach()"
        return self._driver

    def on_attach(self) -> None:
        self._floor = self.session.dataset_score(0).mean_nll
        self.run.lr, self.run.reg = DEFAULT_LR, DEFAULT_REG
        self._driver = TrainingDriver(self, self.run, self.target_epochs)
        self._ticker = self.set_interval(REDRAW_SECONDS, self._on_tick, pause=True)
        self._refresh_view(force=True)

    def default_focus(self) -> Widget:
        return self.query_one(LossPlot)

    def action_enabled(self, action: str) -> bool | None:
        # A diverged run only resets: its keys dim, and the message line says why.
        if self.state == DIVERGED and action in ("toggle_run", "step"):
            return None
        return True

    # ----- keys -------------------------------------------------------------------------

    def action_toggle_run(self) -> None:
        if self.state == RUNNING:
            self.pause()
        else:
            self.start()

    def action_step(self) -> None:
        self.pause()
        if not self._may_continue():
            return
        self._rate = None
        reason = self.driver.step()
        if reason is not None:
            self._stop(reason)
        elif self.run.epoch >= self.target_epochs:
            self._stop((FINISHED, ""))
        self._refresh_view()

    def action_reset(self) -> None:
        self.driver.reset()
        self._pause_ticker()
        self._rate = None
        self.state = PAUSED
        self._refresh_view(force=True)
        self.notify(f"W re-initialised from seed {self.run.seed}", timeout=2)

    # ----- running ----------------------------------------------------------------------

    def start(self) -> None:
        if self.state == RUNNING or not self._may_continue():
            return
        self._rate_mark = (time.perf_counter(), self.run.epoch)
        self._rate = None
        self.driver.start()
        if self._ticker is not None:
            self._ticker.resume()
        self.state = RUNNING

    def pause(self) -> None:
        if self.state != RUNNING:
            return
        self.driver.cancel()
        self._pause_ticker()
        self.state = PAUSED

    def _pause_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.pause()

    def _may_continue(self) -> bool:
        """Whether another epoch may run; says why not when it may not."""
        if self.run.epoch >= self.target_epochs:
            self.state = FINISHED
            self.notify(
                f"Reached {self.target_epochs:,} epochs: raise epochs or press r to reset.",
                timeout=3,
            )
            return False
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # One message per run, not per epoch: the worker ended by itself.
        if event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        if self._driver is None or not self._driver.ended(event.worker):
            return
        self._pause_ticker()
        if event.state == WorkerState.ERROR:
            self._stop((DIVERGED, f"training stopped: {event.worker.error}"))
        else:
            self._stop(self.driver.stop_reason or (PAUSED, ""))

    def _stop(self, reason: Stop) -> None:
        state, message = reason
        self.driver.stop_reason = reason
        self.state = state
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

    # ----- state ------------------------------------------------------------------------

    def watch_state(self, old: str, new: str) -> None:
        if DIVERGED in (old, new):
            # The footer dims or lights space and n (action_enabled); a footer rebuild at
            # every start and pause would make keys wait while training holds the GIL.
            self.refresh_bindings()
        self._refresh_view()

    def watch_target_epochs(self, target: int) -> None:
        self.driver.set("epochs", target)
        if self.state == FINISHED and self.run.epoch < target:
            self.state = PAUSED
        self._refresh_view(force=True)  # the epochs field sets the plot's x axis

    def on_training_setting_changed(self, message: TrainingSettingChanged) -> None:
        if not self.ready:
            return  # the fields' first values arrive before the model; on_attach applies them
        if message.name == "epochs":
            self.target_epochs = int(message.value)
        else:
            self.driver.set(message.name, message.value)
            self._refresh_view()

    # ----- drawing ----------------------------------------------------------------------

    def _refresh_view(self, force: bool = False) -> None:
        if self._driver is None:
            return  # not attached yet: nothing to draw
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
        stop = self.driver.stop_reason
        message = stop[1] if self.state == DIVERGED and stop else ""
        message_line = self.query_one("#train-message", Static)
        message_line.update(Content(message))  # an error's text: never markup
        message_line.display = bool(message)

    def _plot_due(self) -> bool:
        if self.state != RUNNING:
            return True  # a key press or the end of a run: show where it stands now
        plot = self.query_one(LossPlot)
        interval = max(REDRAW_SECONDS, plot.render_seconds / PLOT_TIME_SHARE)
        return time.perf_counter() - self._plot_shown_at >= interval - 0.01

    def _redraw_plot(self) -> None:
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
