"""The Evaluate tab: train/dev/test scores for orders 1–6, and the k and λ sweeps on dev.

`g` shows what the one k of the table hides: each order at its own best k (its k sweep),
with the winner on dev marked, and NG's grid (orders 3–5 × k 0.03–1, train and dev NLL,
the best cell tested once, session.grid).

Threading: the table, the sweeps and the tuning run in thread workers (groups
"evaluate-table", "evaluate" and "evaluate-tune"); they hand results back as messages,
never touching widgets. Each sweep carries a generation number, so the results of a sweep
cancelled or overtaken are ignored.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from bigram_tui.core.errors import SweepCancelled
from bigram_tui.core.params import MAX_ORDER, MIN_ORDER

from . import evaluate_view as view
from .messages import (
    EvaluationFailed,
    KSweepReady,
    LambdaSweepReady,
    SmoothingChosen,
    TableReady,
)
from .pane import Pane, next_k, show
from .sweep_plot import SweepPlot
from .sweep_worker import WorkerCancel

if TYPE_CHECKING:
    from bigram_tui.core.session import Evaluation, Grid, KSweep, LambdaSweep, OrderRow

# The k values + and − step through (the k a user applies is kept even if not listed).
TICK_SECONDS = 0.5  # how often the elapsed time of a running sweep is redrawn
ORDERS = tuple(range(MIN_ORDER, MAX_ORDER + 1))
ORDERS_TEXT = f"{MIN_ORDER}–{MAX_ORDER}"


# From the pane's workers to the pane itself (bubble=False: the app has no use for them).


@dataclass
class LambdaPartial(Message, bubble=False):
    """A λ sweep's values, and the dev NLL of the nets done so far."""

    generation: int
    lambdas: tuple[float, ...]
    dev_nll: tuple[float, ...]


@dataclass
class GridReady(Message, bubble=False):
    grid: Grid


@dataclass
class TuneFailed(Message, bubble=False):
    reason: str


# A fast sweep (order 4: 20 nets in about a second) would rebuild the λ plot for every
# net, each rebuild a few ms the keys wait behind; its points come in batches instead.
PARTIAL_REDRAW = 0.5  # seconds


class EvalTable(Static, can_focus=True):
    """The table of orders; focus here means the pane's keys are live."""


class EvaluatePane(Pane):
    """Scores the counts model of each order on the split, and tunes k and λ on dev."""

    TITLE = "Evaluate"
    STYLESHEET = "evaluate.tcss"
    BINDINGS = [
        Binding("l", "sweep_lambda", "Sweep λ", tooltip="train a net per λ on train"),
        Binding("c", "cancel_sweep", "Cancel sweep"),
        Binding("escape", "cancel_sweep", "Cancel sweep", show=False),
        Binding("a", "apply_best_k", "Apply best k", tooltip="use the best k in every pane"),
        Binding(
            "g",
            "toggle_tuned",
            "Grid",
            show=False,
            tooltip="each order at its own best k, the winner marked, and NG's grid of "
            "orders 3–5 × k (train and dev NLL, the best cell's test NLL); again: the table",
        ),
        Binding("plus,equals_sign", "smoothing(1)", "k+", tooltip="more fake counts"),
        Binding("minus", "smoothing(-1)", "k−", tooltip="fewer fake counts"),
    ]

    # `order` (sweeps run at it) and `k` (the table's) are the app's (Pane).
    sweeping: reactive[bool] = reactive(False, init=False, bindings=True)  # a λ sweep runs
    tuned: reactive[bool] = reactive(False, init=False)  # g: each order's own k, NG's grid

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._evaluation: Evaluation | None = None
        self._rows: dict[float, list[OrderRow]] = {}
        self._k_sweeps: dict[int, KSweep] = {}
        self._lambda_sweeps: dict[int, LambdaSweep] = {}
        self._generation = 0
        self._progress: tuple[int, int] = (0, 0)
        # The running λ sweep's values and the dev NLL of its nets done so far.
        self._partial: tuple[tuple[float, ...], tuple[float, ...]] | None = None
        self._grid: Grid | None = None
        self._work_started = False  # the table, the sweeps and NG's grid: on first show
        self._tune_note = ""  # why the grid is not there, if it failed
        self._sweep_started = 0.0
        self._status = ""
        # How the last λ sweep of each order ended: the status line shows the current order's,
        # never another order's (a sweep cancelled at order 4 is no news back at order 2).
        self._sweep_ends: dict[int, str] = {}
        self._ticker: Timer | None = None
        self._partial_redraw: Timer | None = None  # the next redraw of a sweep's points
        self._partial_drawn = -math.inf  # when the last one was

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="eval-heading")
        with Horizontal(id="eval-top"):
            yield EvalTable(id="eval-table")
            yield Static(id="eval-summary")
        yield Static(id="eval-grid")
        yield Static(id="eval-why")
        with Horizontal(id="eval-plots"):
            yield SweepPlot(id="eval-k-plot")
            yield SweepPlot(id="eval-lambda-plot")
        yield Static(id="eval-status")

    def default_focus(self) -> Widget:
        return self.query_one(EvalTable)

    def on_attach(self) -> None:
        self._ticker = self.set_interval(TICK_SECONDS, self._show_status, pause=True)
        self._status = f"counting orders {ORDERS_TEXT} on the split…"
        if self.is_on_screen:
            self._start_work()
        self._show_all()

    def on_show(self) -> None:
        # The table, the sweeps and the grid wait until the pane is first looked at: at start
        # they would compete with what the user is doing in another pane, and every session
        # of a classroom that never opens the pane would hold their counts for nothing.
        if self.ready:
            self._start_work()

    def _start_work(self) -> None:
        if not self._work_started:
            self._work_started = True
            self._request_table()
            self._start_sweep(with_lambda=False)
            self._tune()

    @property
    def rows(self) -> list[OrderRow] | None:
        """The table at the current k, once scored."""
        return self._rows.get(self.k)

    @property
    def k_sweep(self) -> KSweep | None:
        return self._k_sweeps.get(self.order)

    @property
    def lambda_sweep(self) -> LambdaSweep | None:
        return self._lambda_sweeps.get(self.order)

    @property
    def grid(self) -> Grid | None:
        """NG's grid, once computed."""
        return self._grid

    @property
    def winner(self) -> int | None:
        """The order of least dev NLL at its own best k, once every order is swept."""
        return view.winning_order(self._k_sweeps, ORDERS)

    # ----- keys -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_sweep":
            return self.sweeping  # hidden otherwise, so escape reaches the app
        if not self.ready:
            return None
        if action == "sweep_lambda":
            return None if self.sweeping else True
        if action == "apply_best_k":
            return True if self.k_sweep is not None else None
        return True

    def action_sweep_lambda(self) -> None:
        self._start_sweep(with_lambda=True)

    def action_cancel_sweep(self) -> None:
        done, total = self._progress
        self._cancel_sweep(f"λ sweep cancelled after {done}/{total} nets", self.order)

    def action_apply_best_k(self) -> None:
        sweep = self.k_sweep
        if sweep is None:
            return
        self.share("k", sweep.best_k)
        self.post_message(SmoothingChosen(sweep.best_k, self.order))
        self.notify(f"k = {view.short(sweep.best_k)}, the best on dev at order {self.order}")

    def action_smoothing(self, direction: int) -> None:
        self.share("k", next_k(self.k, direction))

    def action_toggle_tuned(self) -> None:
        self.tuned = not self.tuned

    def watch_tuned(self) -> None:
        self._show_all()

    # ----- state ------------------------------------------------------------------------

    def watch_order(self, old: int, new: int) -> None:
        if not self.ready or old == new or not self._work_started:
            return  # before the first show: the work starts then, at the order of then
        if not self._status or self._status in self._sweep_ends.values():
            self._status = self._sweep_ends.get(new, "")
        if self.sweeping:  # said once, at the change; the next change forgets it
            self._cancel_sweep(f"λ sweep at order {old} cancelled: the order changed", old)
        if new not in self._k_sweeps:
            self._start_sweep(with_lambda=False)
        self._show_all()

    def watch_k(self) -> None:
        if not self.ready or not self._work_started:
            return
        if self.rows is None:
            self._status = f"scoring orders {ORDERS_TEXT} at k = {self.k:g}…"
            self._request_table()
        self._show_all()

    def _request_table(self) -> None:
        if self.rows is None:
            self._score_table(self.k)

    def _start_sweep(self, with_lambda: bool) -> None:
        self._generation += 1
        if with_lambda:
            self.sweeping = True
            self._progress = (0, 0)
            self._partial = None
            self._sweep_started = time.monotonic()
            self._status = f"λ sweep at order {self.order}: starting…"
            if self._ticker is not None:
                self._ticker.resume()
        self._sweep(self._generation, self.order, with_lambda)
        self._show_all()

    def _cancel_sweep(self, status: str, order: int) -> None:
        if not self.sweeping:
            return
        self._generation += 1  # whatever the cancelled worker still posts is ignored
        self.workers.cancel_group(self, "evaluate")
        self._end_sweep(status, order)

    def _end_sweep(self, status: str, order: int | None = None) -> None:
        self.sweeping = False
        self._status = status
        if order is not None:
            self._sweep_ends[order] = status
        if self._ticker is not None:
            self._ticker.pause()
        self._stop_partial_redraw()
        self._partial_drawn = -math.inf  # the next sweep's first point shows at once
        self._show_all()

    # ----- workers ----------------------------------------------------------------------

    def _evaluation_in_worker(self) -> Evaluation:
        assert self.ready
        # The session's split, the one Sample and Train use too; read and split once.
        self._evaluation = self.session.evaluation()
        return self._evaluation

    @work(thread=True, exclusive=True, group="evaluate-table")
    def _score_table(self, k: float) -> None:
        worker = get_current_worker()
        try:
            rows = self._evaluation_in_worker().table(k, cancel=WorkerCancel(worker))
        except SweepCancelled:
            return
        except Exception as error:  # a user sees one line, never a traceback
            self.post_message(EvaluationFailed(None, _one_line(error)))
            return
        self.post_message(TableReady(k, rows))

    @work(thread=True, exclusive=True, group="evaluate")
    def _sweep(self, generation: int, order: int, with_lambda: bool) -> None:
        cancel = WorkerCancel(get_current_worker())
        try:
            evaluation = self._evaluation_in_worker()
            self.post_message(KSweepReady(generation, order, evaluation.k_sweep(order)))
            if not with_lambda:
                return

            def partial(lambdas: Sequence[float], dev_nll: Sequence[float]) -> None:
                # A message per net: nets take a good part of a second each, at least.
                self.post_message(LambdaPartial(generation, tuple(lambdas), tuple(dev_nll)))

            sweep = evaluation.lambda_sweep(order, cancel=cancel, partial=partial)
        except SweepCancelled:
            return
        except Exception as error:
            self.post_message(EvaluationFailed(generation, _one_line(error)))
            return
        self.post_message(LambdaSweepReady(generation, order, sweep))

    @work(thread=True, exclusive=True, group="evaluate-tune")
    def _tune(self) -> None:
        """Every order's k sweep (its own best k), then NG's grid; cancelled with the pane."""
        cancel = WorkerCancel(get_current_worker())
        try:
            evaluation = self._evaluation_in_worker()
            for order in ORDERS:
                sweep = evaluation.k_sweep(order, cancel=cancel)
                self.post_message(KSweepReady(0, order, sweep))
            # The session's split (its own, or the default one the table uses).
            on_split = self.session.on_word_split()
            grid = on_split.grid(view.GRID_ORDERS, view.GRID_KS, cancel=cancel)
        except SweepCancelled:
            return
        except Exception as error:  # said in the grid's place: the table says it already
            self.post_message(TuneFailed(_one_line(error)))
            return
        self.post_message(GridReady(grid))

    @on(GridReady)
    def _grid_ready(self, message: GridReady) -> None:
        self._grid = message.grid
        self._show_all()

    @on(TuneFailed)
    def _tune_failed(self, message: TuneFailed) -> None:
        self._tune_note = f"no grid: {message.reason}"
        self._show_all()

    @on(TableReady)
    def _table_ready(self, message: TableReady) -> None:
        self._rows[message.k] = message.rows
        if message.k == self.k and not self.sweeping:
            self._status = ""
        self._show_all()

    @on(KSweepReady)
    def _k_sweep_ready(self, message: KSweepReady) -> None:
        self._k_sweeps[message.order] = message.sweep
        self._show_all()
        self.refresh_bindings()

    @on(LambdaPartial)
    def _lambda_partial(self, message: LambdaPartial) -> None:
        if message.generation == self._generation and self.sweeping:
            self._partial = (message.lambdas, message.dev_nll)
            self._progress = (len(message.dev_nll), len(message.lambdas))
            self._show_status()  # n/20 at once; the plot at most every PARTIAL_REDRAW s
            wait = self._partial_drawn + PARTIAL_REDRAW - time.monotonic()
            if not message.dev_nll:  # "0/20 nets…": the sweep's first words, not a point
                self._show_all()
            elif wait <= 0:
                self._draw_partial()
            elif self._partial_redraw is None:
                self._partial_redraw = self.set_timer(wait, self._draw_partial)

    def _draw_partial(self) -> None:
        self._stop_partial_redraw()
        self._partial_drawn = time.monotonic()
        self._show_all()

    def _stop_partial_redraw(self) -> None:
        if self._partial_redraw is not None:
            self._partial_redraw.stop()
            self._partial_redraw = None

    @on(LambdaSweepReady)
    def _lambda_sweep_ready(self, message: LambdaSweepReady) -> None:
        if message.generation != self._generation:
            return
        self._lambda_sweeps[message.order] = message.sweep
        seconds = time.monotonic() - self._sweep_started
        count = len(message.sweep.lambdas)
        self._end_sweep(
            f"λ sweep at order {message.order}: {count} nets trained to convergence",
            message.order,
        )
        if self.is_on_screen:  # elsewhere it is news about a pane not in view
            self.notify(f"{count} nets in {seconds:.1f} s", title="λ sweep", timeout=3)

    @on(EvaluationFailed)
    def _failed(self, message: EvaluationFailed) -> None:
        if message.generation is not None and message.generation != self._generation:
            return
        if self.sweeping:
            self._end_sweep(message.reason)
        else:
            self._status = message.reason
            self._show_all()
        self.notify(message.reason, title="Evaluate", severity="error", timeout=6)

    # ----- drawing ----------------------------------------------------------------------

    def _show_all(self) -> None:
        if not self.ready:
            return
        order, rows = self.order, self.rows
        tuned = self.tuned
        sizes = self._evaluation.split.sizes if self._evaluation is not None else None
        show(self.query_one("#eval-heading", Static), view.heading(sizes, self.k, tuned))
        table = self.query_one(EvalTable)
        if tuned:
            show(table, view.tuned_table(self._k_sweeps, ORDERS, order))
        else:
            show(table, view.table_content(rows, order) if rows else "scoring…")
        grid = self.query_one("#eval-grid", Static)
        grid.display = tuned
        if tuned:
            show(grid, view.grid_content(self._grid, self._tune_note))
        why = view.inf_lines(rows, order) if rows and not tuned else []
        show(self.query_one("#eval-why", Static), "\n".join(why))
        self.query_one("#eval-why").display = bool(why)
        note = "press l"
        if self.sweeping:
            done, total = self._progress
            note = f"{done}/{total} nets" if total else "running…"
        winner = None if tuned else self.winner  # the tuned table marks it itself
        summary = view.summary_lines(order, self.k_sweep, self.lambda_sweep, note, winner)
        show(self.query_one("#eval-summary", Static), "\n".join(summary))
        k_plot = self.query_one("#eval-k-plot", SweepPlot)
        k_plot.show(*view.k_plot(order, self.k_sweep))
        lambda_plot = self.query_one("#eval-lambda-plot", SweepPlot)
        lambda_plot.show(
            *view.lambda_plot(order, self.lambda_sweep, self.k_sweep, self.sweeping, self._partial)
        )
        self._show_status()

    def _show_status(self) -> None:
        if self.sweeping:
            done, total = self._progress
            elapsed = time.monotonic() - self._sweep_started
            counted = f"{done}/{total} nets trained" if total else "counting"
            left = f", ~{view.duration(elapsed / done * (total - done))} left" if done else ""
            self._status = (
                f"λ sweep at order {self.order}: {counted} · {view.duration(elapsed)}{left}"
                " · c cancels"
            )
        show(self.query_one("#eval-status", Static), self._status)


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
