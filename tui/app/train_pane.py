"""The Train tab: gradient descent on W, one epoch at a time, with its loss drawn as it falls.

The epochs run on the TrainingDriver's thread worker; a 4 Hz timer on the UI thread reads
`run.losses` and redraws. The net follows the app's order: it is the session's net of that
order (`session.run(order)`), the one Word, Counts and Sample use. `t` picks the table or
linear net and `d` trains on the split's train part, plotting the dev loss too (a net of its
own: the session's nets are fitted on all the words). `w` and `l` save and load the net in
hand, at any order; `b` pins a curve to compare runs with, and `t` pins the curve of the net
it leaves. Training starts at 25 epochs a second on a log epoch axis, so that the drop of the
first 20 epochs is seen happening; `v` and `x` change the pace and the axis.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
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

from bigram_tui.core.defaults import (
    DEFAULT_EPOCHS,
    DEFAULT_LR,
    DEFAULT_ORDER,
    DEFAULT_REG,
    default_lr,
)
from bigram_tui.core.display import shown_path
from bigram_tui.core.errors import BigramTuiError
from bigram_tui.core.params import NET_KINDS

from .loss_plot import X_VIEW_NAMES, X_VIEWS, Curve, GapPlot, LossPlot
from .messages import TrainingSettingChanged
from .pane import Pane
from .train_driver import DIVERGED, FINISHED, PAUSED, RUNNING, Stop, TrainingDriver
from .train_fields import DEFAULT_MODEL_PATH, ModelPathScreen, TrainingFields

if TYPE_CHECKING:
    from bigram_tui.core.session import Session, TrainingRun

TABLE, LINEAR = NET_KINDS

__all__ = ["DIVERGED", "FINISHED", "PAUSED", "RUNNING", "TrainPane"]

REDRAW_SECONDS = 1 / 3  # 4 Hz wrote 30–35 KiB/s at 120×40 (bench); the goal is ≤ 30
# A plot redraw blocks the UI thread (10-30 ms at 120×40, several times that on a busy
# machine); keys wait behind it. While training, redraws are spaced so that plotting
# takes at most about a tenth of the UI thread's time.
PLOT_TIME_SHARE = 0.1
FIRST_EPOCHS_SHOWN = 3  # the lecture prints these: 3.7590, 3.3711, 3.1540
STATE_MARKS = {PAUSED: "⏸", RUNNING: "▶", FINISHED: "✓", DIVERGED: "✗"}
ACTIONS_OF_A_RUN = ("toggle_run", "step", "save")  # wait while the next run is being built
# Epochs per second that `v` cycles through, the first the default: the default 500 epochs
# last 20 s at 1× (the drop of epochs 0–20 takes a second), 2 s at 10×, and a blink at full
# speed (under 0.3 s: nothing to watch); None is full speed.
PACES: tuple[float | None, ...] = (25.0, 250.0, None)
PACE_NAMES = {None: "max", 25.0: "1×", 250.0: "10×"}
DEFAULT_PACE = PACES[0]


@dataclass(frozen=True)
class RunSetup:
    """What the pane trains: the net of `order` of `kind`, on all the data or on the split."""

    order: int = DEFAULT_ORDER
    kind: str = TABLE
    split: bool = False

    @property
    def is_lecture(self) -> bool:
        """The lecture's own net: order 2, table, all the words."""
        return (self.order, self.kind, self.split) == (2, TABLE, False)

    def describe(self) -> str:
        data = "train split" if self.split else "all words"
        return f"order {self.order} {self.kind} net, {data}"


def run_label(run: TrainingRun) -> str:
    """A run's name in the plot's legend: its lr and λ."""
    return f"lr {run.lr:g}, λ {run.reg:g}"


def dev_losses(run: TrainingRun) -> list[float]:
    """The dev loss per epoch of a run trained on the split (none otherwise)."""
    return [run.dev_losses[epoch] for epoch in sorted(run.dev_losses)]


def build_run(session: Session, setup: RunSetup, lr: float, reg: float) -> TrainingRun:
    """The order's net of `session` when it is of `setup`'s kind, else a new one in its place."""
    if session.has_run(setup.order) and session.run(setup.order).kind == setup.kind:
        return session.run(setup.order)
    return session.new_run(setup.kind, setup.order, lr=lr, reg=reg)


def floor(session: Session, setup: RunSetup) -> float:
    """The counts model's NLL (k=0) on the data training reads, at the same order."""
    return session.dataset_score(0.0, setup.order).mean_nll


class TrainPane(Pane):
    """Trains the order's net (session.run(order)) and plots its loss per epoch."""

    TITLE = "Train"
    STYLESHEET = "train.tcss"
    BINDINGS = [
        Binding("space", "toggle_run", "Run/pause", tooltip="train until the epochs field"),
        Binding("n", "step", "Step", tooltip="train one epoch"),
        Binding("s", "step", "Step 1 epoch", show=False),
        Binding("r", "reset", "Reset W"),
        Binding("f", "edit_fields", "Fields", tooltip="edit lr, epochs and λ (tab moves on)"),
        Binding(
            "v", "next_pace", "Speed", tooltip="epochs per second: 1× (25/s), 10× (250/s), max"
        ),
        Binding(
            "x",
            "next_x_view",
            "Epoch axis",
            show=False,
            tooltip="the x axis: log epochs, the last 100 epochs, or every epoch",
        ),
        Binding("w", "save", "Save model", show=False, tooltip="save the net to a file"),
        Binding("l", "load", "Load model", show=False, tooltip="load a net saved by bigram-tui"),
        Binding(
            "b",
            "pin_baseline",
            "Pin/unpin curve",
            show=False,
            tooltip="pin the loss curve to compare the next run with; b again unpins",
        ),
        Binding(
            "t",
            "next_net",
            "Table/linear net",
            show=False,
            tooltip="the table net (a row per context) or the linear net of order n",
        ),
        Binding(
            "d",
            "toggle_split",
            "Split on/off",
            show=False,
            tooltip="train on 80% of the words (seed 42) and plot the dev loss too",
        ),
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
        self._run: TrainingRun | None = None
        self._on_split: Session | None = None  # session.on_word_split(), made on first use
        self._setup = RunSetup()
        self._run_setup = RunSetup()  # what the run in hand trains; _setup may be on its way
        self._setup_generation = 0  # a run built for an older setup is dropped
        self._preparing = False
        self._baseline: Curve | None = None
        self._model_path = DEFAULT_MODEL_PATH
        self._load_when_ready: str | None = None
        self._final: tuple[object, str] | None = None  # (the weights, their loss) last shown
        self._x_view = X_VIEWS[0]
        # Whether the user typed the lr: then it stays at every order; else each order's default.
        self._lr_by_hand = False

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="train-body"):
            with Vertical(id="train-plots"):
                yield LossPlot(id="train-plot")
                yield GapPlot(id="train-gap")
            with Vertical(id="train-side"):
                yield TrainingFields(id="train-fields")
                yield Static(id="train-losses")
        with Horizontal(id="train-statusbar"):
            yield Label(id="train-state")
            yield Static(id="train-status")
        yield Static(id="train-message")

    @property
    def run(self) -> TrainingRun:
        assert self._run is not None, "TrainPane used before attach()"
        return self._run

    def _session_for(self, setup: RunSetup) -> Session:
        """The session whose net `setup` trains (blocking the first time: call in a worker)."""
        if not setup.split:
            return self.session
        if self._on_split is None:
            self._on_split = self.session.on_word_split()
        return self._on_split

    @property
    def setup(self) -> RunSetup:
        """What is trained: the order, the net, and whether on the split."""
        return self._setup

    @property
    def driver(self) -> TrainingDriver:
        assert self._driver is not None, "TrainPane used before attach()"
        return self._driver

    def on_attach(self) -> None:
        self._setup = RunSetup(self.order, self._setup.kind, self._setup.split)
        self._run = self.session.run(2)  # in hand until the order's net is built
        self._floor = floor(self.session, RunSetup())
        self.run.lr, self.run.reg = DEFAULT_LR, DEFAULT_REG
        self._driver = TrainingDriver(self, self.run, self.target_epochs)
        self._driver.pace = DEFAULT_PACE
        self._ticker = self.set_interval(REDRAW_SECONDS, self._on_tick, pause=True)
        if not self._setup.is_lecture:  # the app's order arrived before the model
            self._build(self._setup)
        self._refresh_view(force=True)
        if self._load_when_ready is not None:
            path, self._load_when_ready = self._load_when_ready, None
            self.load_from(path)

    def default_focus(self) -> Widget:
        return self.query_one(LossPlot)

    def action_enabled(self, action: str) -> bool | None:
        # A diverged run only resets: its keys dim, and the message line says why.
        if self.state == DIVERGED and action in ("toggle_run", "step"):
            return None
        if self._preparing and action in ACTIONS_OF_A_RUN:
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

    def action_edit_fields(self) -> None:
        self.screen.set_focus(self.query_one("#train-lr"))

    def action_next_pace(self) -> None:
        pace = PACES[(PACES.index(self.driver.pace) + 1) % len(PACES)]
        self.driver.pace = pace
        shown = "full speed" if pace is None else f"{PACE_NAMES[pace]}: {pace:g} epochs/s"
        self.notify(f"speed {shown}", timeout=2)
        self._refresh_view()

    def action_next_x_view(self) -> None:
        self._x_view = X_VIEWS[(X_VIEWS.index(self._x_view) + 1) % len(X_VIEWS)]
        self.notify(f"x axis: {X_VIEW_NAMES[self._x_view]}", timeout=2)
        self._refresh_view(force=True)

    def action_reset(self) -> None:
        self.driver.reset()
        self._pause_ticker()
        self._rate = None
        self.state = PAUSED
        self._refresh_view(force=True)
        self.notify(f"W re-initialised from seed {self.run.seed}", timeout=2)

    # ----- what is trained: order, net, split -------------------------------------------

    def watch_order(self, order: int) -> None:
        self._change_setup(RunSetup(order, self._setup.kind, self._setup.split))

    def action_next_net(self) -> None:
        kinds = NET_KINDS if self._setup.order >= 2 else NET_KINDS[:1]
        kind = kinds[(kinds.index(self._setup.kind) + 1) % len(kinds)] if len(kinds) > 1 else None
        if kind is None:
            self.notify(
                "the linear net needs a context: order 1 has only the table net; press o",
                timeout=4,
            )
            return
        if self.run.losses and not self._preparing:
            # The curve just drawn would be gone with the net: keep it to compare the next with.
            self._pin(f"pinned: {self._run_name(with_net=True)}")
            self.notify(f"the {self._run_setup.kind} net's curve is pinned; b unpins it", timeout=3)
        self._change_setup(RunSetup(self._setup.order, kind, self._setup.split))

    def action_toggle_split(self) -> None:
        self._change_setup(RunSetup(self._setup.order, self._setup.kind, not self._setup.split))

    def _change_setup(self, setup: RunSetup) -> None:
        if setup.order < 2 and setup.kind == LINEAR:
            setup = RunSetup(setup.order, NET_KINDS[0], setup.split)  # no context to be linear in
        if setup == self._setup:
            return
        self._setup = setup
        if self._driver is None:
            return  # on_attach builds it
        self.pause()
        self._build(setup)

    def _build(self, setup: RunSetup) -> None:
        """Counts and a fresh run for `setup`, built on a thread: counting order 5 takes a while."""
        self._setup_generation += 1
        generation = self._setup_generation
        lr, reg = self._lr_for(setup), self.run.reg
        self._set_preparing(True)
        self._refresh_view(force=True)

        def build() -> None:
            try:
                session = self._session_for(setup)
                run = build_run(session, setup, lr, reg)
                run_floor = floor(session, setup)
            except Exception as error:  # any failure: one line, never a traceback
                self._from_thread(self._build_failed, generation, " ".join(str(error).split()))
                return
            self._from_thread(self._install, generation, setup, run, run_floor)

        self.run_worker(
            build, thread=True, exclusive=True, group="train-setup", exit_on_error=False
        )

    def _lr_for(self, setup: RunSetup) -> float:
        """The lr typed by hand, or else the new order's default: the unigram's lr is smaller
        (core.defaults.default_lr). A value is not enough to tell: a typed 10 is the unigram's."""
        return self.run.lr if self._lr_by_hand else default_lr(setup.order)

    def _from_thread(self, callback, *args) -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing: nothing to show it in
            self.app.call_from_thread(callback, *args)

    def _install(
        self,
        generation: int,
        setup: RunSetup,
        run: TrainingRun,
        run_floor: float,
    ) -> None:
        if generation != self._setup_generation:
            return  # the user moved on to another setup meanwhile
        lr, reg = self._lr_for(setup), self.run.reg
        if lr != self.run.lr:
            # No toast: the field shows the order's default lr, and the order has its own.
            self.query_one(TrainingFields).show_values(lr, reg)
        self._run_setup = setup
        self._run = run
        self.driver.replace(run)
        self.driver.set("lr", lr)
        self.driver.set("reg", reg)
        self._floor = run_floor
        self._rate = None
        self._set_preparing(False)
        self.state = FINISHED if run.epoch >= self.target_epochs else PAUSED
        self._refresh_view(force=True)

    def _build_failed(self, generation: int, reason: str) -> None:
        if generation != self._setup_generation:
            return
        self._set_preparing(False)
        self._setup = self._run_setup  # the pane trains what it trained before
        self.notify(reason, title="Cannot build this net", severity="error", timeout=6)
        self._refresh_view(force=True)

    def _set_preparing(self, preparing: bool) -> None:
        if preparing != self._preparing:
            self._preparing = preparing
            self.refresh_bindings()

    # ----- model files --------------------------------------------------------------------

    def action_save(self) -> None:
        self.pause()
        self.app.push_screen(ModelPathScreen("Save", self._model_path), self.save_to)

    def save_to(self, path: str | None) -> None:
        """Save the net in hand to `path` (None: the prompt was cancelled)."""
        if path is None:
            return
        session, order = self._session_for(self._run_setup), self._run_setup.order
        try:
            session.check_save_path(path)
            written = shown_path(session.save(path, order))
        except BigramTuiError as error:  # a refused path or a diverged run: the core's line
            self.notify(str(error), title="Model not saved", severity="error", timeout=8)
            return
        self._model_path = path
        self.notify(f"saved {self.run.epoch:,} epochs to {written}", timeout=4)

    def action_load(self) -> None:
        self.pause()
        self.app.push_screen(ModelPathScreen("Load", self._model_path), self.load_from)

    def load_at_start(self, path: str) -> None:
        """`bigram-tui --load PATH`: load `path` once the model is ready (now, if it is)."""
        if self.ready and self._driver is not None:
            self.load_from(path)
        else:
            self._load_when_ready = path

    def load_from(self, path: str | None) -> None:
        """Make the model file at `path` the session's net of its order, and train it here
        (the app's order follows the file's); a bad file keeps the current one."""
        if path is None:
            return
        self.pause()
        try:
            saved = self.session.restore(path)
        except BigramTuiError as error:
            self.notify(str(error), title="Model not loaded", severity="error", timeout=8)
            return
        self._model_path = path
        shown = f"loaded {saved.epoch:,} epochs, lr {saved.lr:g}, λ {saved.reg:g}"
        self._setup_generation += 1  # a net still being built for another setup is dropped
        self._set_preparing(False)
        self._setup = self._run_setup = RunSetup(saved.order, saved.kind, False)
        self._run = self.session.run(saved.order)
        self._floor = floor(self.session, self._setup)
        self.share("order", saved.order)  # every pane shows the loaded net's order
        self.driver.replace(self._run)
        self.query_one(TrainingFields).show_values(saved.lr, saved.reg)
        self._rate = None
        self.state = FINISHED if self.run.epoch >= self.target_epochs else PAUSED
        self._refresh_view(force=True)
        self.notify(shown, timeout=4)

    # ----- comparing runs -----------------------------------------------------------------

    def action_pin_baseline(self) -> None:
        if self._baseline is not None:
            self._baseline = None
            self.notify("baseline unpinned", timeout=2)
        elif not self.run.losses:
            self.notify("nothing to pin yet: train first (space or n)", timeout=3)
            return
        else:
            self._pin(f"pinned: {self._run_name()}")
            self.notify("curve pinned: press r, change lr or λ, and train to compare", timeout=4)
        self._refresh_view(force=True)

    def _pin(self, label: str) -> None:
        # Apart from the run (primary), the floor (success) and dev (warning) in every theme.
        self._baseline = Curve(label, tuple(self.run.losses), "error", "magenta")

    def _run_name(self, with_net: bool = False) -> str:
        setup = self._run_setup
        lecture_net = (setup.order, setup.kind) == (2, NET_KINDS[0])
        where = "" if lecture_net and not with_net else f"n={setup.order} {setup.kind}: "
        return where + run_label(self.run)

    def copy_text(self) -> tuple[str, str] | None:
        """The loss history as CSV, `epoch,loss` (and `dev_loss` with a split)."""
        losses = list(self.run.losses) if self._run is not None else []
        if not losses:
            return None
        dev = dev_losses(self.run)
        lines = ["epoch,loss,dev_loss" if dev else "epoch,loss"]
        for epoch, loss in enumerate(losses):
            extra = f",{dev[epoch]!r}" if epoch < len(dev) else ""
            lines.append(f"{epoch},{loss!r}{extra}")
        return "loss history", "\n".join(lines) + "\n"

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
        elif state == FINISHED and self.is_on_screen:  # elsewhere: the status line says it
            epoch = self.run.epoch
            loss = self.run.losses[-1] if self.run.losses else math.nan
            self.notify(
                f"Finished {epoch:,} epochs: loss at epoch {epoch - 1:,} {loss:.6f}; "
                f"loss of the final weights {self._final_loss()}",
                timeout=3,
            )

    def _final_loss(self) -> str:
        """The loss of the weights the last epoch left, as the CLI reports it; kept per epoch."""
        weights = self.run.weights  # replaced by every step and reset, never changed in place
        if self._final is None or self._final[0] is not weights:
            try:
                with self.driver.lock:  # no epoch may land while it is computed
                    shown = f"{self.run.final_loss():.6f}"
            except BigramTuiError:  # diverged: one huge last step
                shown = "not finite"
            self._final = (weights, shown)
        return self._final[1]

    def _on_tick(self) -> None:
        if self.state != RUNNING:
            return  # a tick after the run ended would report 0 epochs/s
        now, epoch = time.perf_counter(), self.run.epoch
        then, before = self._rate_mark
        if now > then and epoch >= before:
            self._rate = (epoch - before) / (now - then)
            pace = self.driver.pace
            if pace is not None:
                # The driver never runs ahead of the pace; a tick's window that happens to
                # hold one epoch more (9 in a third of a second at 25/s) would say 27.
                self._rate = min(self._rate, pace)
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
            if message.name == "lr":
                self._lr_by_hand = message.value != default_lr(self._run_setup.order)
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
        seconds = self.query_one(LossPlot).render_seconds + self.query_one(GapPlot).render_seconds
        interval = max(REDRAW_SECONDS, seconds / PLOT_TIME_SHARE)
        return time.perf_counter() - self._plot_shown_at >= interval - 0.01

    def _redraw_plot(self) -> None:
        self._plot_shown_at = time.perf_counter()
        extra = [] if self._baseline is None else [self._baseline]
        dev = dev_losses(self.run)
        name = self._run_name()
        if self._setup.split:
            extra.append(Curve(f"dev: {name}", dev, "warning", "yellow"))
            name = f"train: {name}"
        # Labelled only beside another curve: alone, the title says what it is.
        label = name if extra else ""
        losses, view = self.run.losses, self._x_view
        self.query_one(LossPlot).show(
            losses, self._floor, self.target_epochs, label=label, extra=extra, x_view=view
        )
        self.query_one(GapPlot).show(losses, self._floor, self.target_epochs, x_view=view)

    def status_line(self, width: int | None = None) -> str:
        """Epoch, loss, speed: what the status bar shows beside the state, in `width` columns
        (the status's own width by default). What does not fit is left out, least needed
        first, never cut in the middle of a number."""
        if width is None:
            width = self.query_one("#train-status").content_size.width or 1_000
        run = self.run
        losses = run.losses
        if self._preparing:
            return fitted([[f"counting for the {self._setup.describe()}…"]], width)
        # "epoch N" counts the epochs run; the loss shown is of the weights epoch N−1 started
        # from (the table's last row), as the CLI's "loss at epoch N−1" says.
        epoch = f"epoch {run.epoch:,}/{self.target_epochs:,}"
        loss = f"loss {losses[-1]:.6f}" if losses else "loss —"
        at = f"{loss} at epoch {run.epoch - 1:,}" if losses else loss
        dev = dev_losses(run)
        dev_part = [f"dev {dev[-1]:.6f}"] if dev else []
        # A rate only while running: a paused or finished run has none ("—"), never "0".
        running = self.state == RUNNING and self._rate is not None
        rate = f"{self._rate:,.0f}" if running and self._rate is not None else "—"
        pace = self.driver.pace
        limit = f" (≤{pace:g})" if pace is not None else ""
        speed = [f"{rate} epochs/s{limit}"]
        final = [f"final weights {self._final_loss()}"] if self.state == FINISHED and losses else []
        setup = self._setup
        net = [] if setup.is_lecture else [f"· n={setup.order} {setup.kind}"]
        weights = (
            []
            if setup.is_lecture
            else [f"· n={setup.order} {setup.kind} {run.parameters:,} weights"]
        )
        # From the whole line to the least: a speed goes before the loss's epoch and the net.
        return fitted(
            [
                [epoch, at, *dev_part, *speed, *final, *weights],
                [epoch, at, *dev_part, *speed, *final, *net],
                [epoch, at, *dev_part, *final, *net],
                [epoch, loss, *dev_part, *final, *net],
                [epoch, loss, *dev_part, *net],
                [epoch, loss, *dev_part],
                [epoch, loss],
                [epoch],
            ],
            width,
        )

    def on_resize(self) -> None:
        # The status fits its width: a new width may fit more of it, or less.
        self.call_after_refresh(self._refresh_view)

    def _losses_table(self, losses: list[float]) -> Content:
        """The first epochs (the lecture prints them) and as many of the latest as fit, with
        the dev loss beside each on the split."""
        dev = dev_losses(self.run)
        header = ("epoch   loss    dev\n" if dev else "epoch   loss\n", "bold")
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

        def row(index: int) -> str:
            beside = f"  {dev[index]:.4f}" if index < len(dev) else ""
            return f"{index:>5}   {losses[index]:.4f}{beside}"

        # One plain string: styled spans per row make Textual's render ~50× slower.
        rows = "\n".join("    ⋮" if index is None else row(index) for index in shown)
        return Content.assemble(header, rows)


def fitted(choices: list[list[str]], width: int) -> str:
    """The first of `choices` (parts joined by two spaces) that fits in `width` columns; the
    last one, cut at a part's end, if none does."""
    for parts in choices:
        line = "  ".join(parts)
        if len(line) <= width:
            return line
    return choices[-1][0][:width]
