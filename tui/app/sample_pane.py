"""The Sample tab: draw a name one character at a time, and see what decided each draw.

Each key press is one `Sampler.step()` (session.sampler) at the app's order, with the pane's
temperature and top-k; the counts model uses the app's k, and the neural model is the order's
net, the one the Train pane trains. The pane shows the probability row the draw used (and
the model's own beside it), the random numbers it consumed and how they picked the winner:
the classic sampler's u on the cumulative bar, or torch's exponential race (sample_view).
Each finished name is marked as a training word, a dev/test word or a new name (sample_history).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from bigram_tui.core.defaults import DEFAULT_ORDER
from bigram_tui.core.errors import NgramError
from bigram_tui.core.params import MODEL_KINDS, SAMPLERS, ParameterError, parse_seed
from bigram_tui.core.session import SMOOTHED_K

from .messages import SeedFieldClosed
from .pane import Pane
from .prob_bars import MUTED, CumulativeBar, ProbBars
from .sample_history import MARK_LEGEND, NameHistory
from .sample_seed import SeedField
from .sample_view import (
    CLASSIC_PROMPT,
    header_line,
    name_line,
    race_table,
    row_title,
    shaping_label,
    u_line,
)
from .weights_note import weights_note

if TYPE_CHECKING:
    from bigram_tui.core.session import Draw, NextTokenModel, SampledName, Sampler, WordSplit

# Temperatures the [ and ] keys step through; 1 leaves the model's distribution as it is.
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
# Top-k values the k and K keys step through; None keeps every token.
TOP_KS: tuple[int | None, ...] = (None, 1, 2, 3, 5, 10)

# The header's name of a model kind, where it is not the kind itself.
KIND_LABELS = {"kn": "Kneser–Ney"}

AUTO_SECONDS = 0.1  # between auto draws at 1×: 10 draws a second, slow enough to follow
AUTO_SPEEDS = (0.2, 1.0, 5.0)  # what > and < choose from, times the draws a second at 1×
RACE_ROWS = 5  # leaders shown in the race table; twice as many on a tall terminal
TALL_PANE = 30


def _next(choices: tuple[str, ...], current: str) -> str:
    return choices[(choices.index(current) + 1) % len(choices)]


def _cycle(choices: tuple[int | None, ...], current: int | None, step: int) -> int | None:
    return choices[(choices.index(current) + step) % len(choices)]


class SamplePane(Pane):
    """Steps the session's sampler one draw at a time and explains each draw."""

    TITLE = "Sample"
    STYLESHEET = "sample.tcss"
    can_focus = True
    # The footer shows the four keys a newcomer needs (it must fit 80 columns with the app's
    # keys); `?` lists every key with its tooltip, the whole description.
    BINDINGS = [
        Binding("space", "draw", "Draw", tooltip="draw the next character"),
        Binding("n", "draw", "Draw", show=False, tooltip="draw the next character, as space"),
        Binding("f", "finish", "Finish", tooltip="finish the name: draw until '.'"),
        Binding("a", "auto", "Auto", tooltip="draw on their own, or stop (pauses when hidden)"),
        Binding(
            "m", "next_model", "Model",
            tooltip="next model: counts, smoothed, neural, uniform, Kneser–Ney",
        ),
        Binding(
            "t", "next_sampler", "Sampler", show=False,
            tooltip="next sampler: classic (u on the cumulative bar) or torch (the race)",
        ),
        Binding("r", "reset", "Reset", show=False, tooltip="restart from the seed: same names"),
        Binding("s", "edit_seed", "Seed", show=False, tooltip="type a new seed"),
        Binding(
            "left_square_bracket", "colder", "T−", show=False,
            tooltip="lower the temperature T: sharper, the likeliest more often",
        ),
        Binding(
            "right_square_bracket", "hotter", "T+", show=False,
            tooltip="raise the temperature T: flatter, towards uniform",
        ),
        Binding(
            "k", "next_top_k", "top-k", show=False,
            tooltip="next top-k: draw only from the k likeliest (off, 1, 2, 3, 5, 10)",
        ),
        Binding("K", "previous_top_k", "top-k back", show=False, tooltip="previous top-k"),
        Binding(
            "v", "toggle_original", "Model's p", show=False,
            tooltip="bars: the model's own distribution, or the one drawn from",
        ),
        Binding(
            "greater_than_sign", "faster", "Faster", show=False,
            tooltip="auto: more draws a second",
        ),
        Binding(
            "less_than_sign", "slower", "Slower", show=False, tooltip="auto: fewer draws a second"
        ),
        Binding(
            "w", "refresh_weights", "Refresh W", show=False,
            tooltip="neural: take the training run's W now (it is also taken at each draw)",
        ),
    ]  # fmt: skip

    # The sampler's settings; each change reaches the sampler and the screen (the watchers).
    model_kind: var[str] = var(MODEL_KINDS[0], init=False)
    algorithm: var[str] = var(SAMPLERS[0], init=False)
    # Always: setting the same seed again still restarts from it (r).
    seed: var[int] = var(0, init=False, always_update=True)
    auto_running: var[bool] = var(False, init=False)
    auto_speed: var[float] = var(1.0, init=False)  # one of AUTO_SPEEDS
    editing_seed: var[bool] = var(False, init=False, always_update=True)  # s refocuses it
    # How the model's row is reshaped before each draw (core.shaping).
    temperature: var[float] = var(1.0, init=False)
    top_k: var[int | None] = var(None, init=False)
    # The bars show the model's own distribution, not the one drawn from.
    show_original: var[bool] = var(False, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._sampler: Sampler | None = None
        # The n of the n-gram sampled from: the app's order once it is counted (it lags).
        self._sampled_order = DEFAULT_ORDER
        self.last_draw: Draw | None = None
        self.last_finished: SampledName | None = None
        self._drawn_with = shaping_label(1.0, None)  # the shaping the last draw used
        self._model_note = ""  # e.g. which epoch the neural weights are from
        self._weights_of: tuple[object, int] | None = None  # (run, epoch) of the neural W in use
        self._auto_timer: Timer | None = None
        # log p (the model's own, before T and top-k) of each character of the name in progress.
        self._name_log_probs: list[float] = []

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="sample-header")
        yield SeedField(id="sample-seed")
        with Horizontal(id="sample-body"):
            with Vertical(id="sample-main"):
                yield Static(id="sample-name")
                yield Static(id="sample-row-title")
                yield ProbBars(id="sample-bars")
                with Vertical(id="sample-classic"):
                    yield CumulativeBar(id="sample-cumulative")
                    yield Static(id="sample-u-line")
                yield Static(id="sample-race")
            with Vertical(id="sample-side"):
                yield Label("names", id="sample-history-title")
                yield NameHistory(id="sample-history")
                yield Static(MARK_LEGEND, id="sample-history-legend")

    @property
    def sampler(self) -> Sampler:
        assert self._sampler is not None, "SamplePane used before attach()"
        return self._sampler

    def on_attach(self) -> None:
        self._sampled_order = self.order
        self.session.counts(self.order)  # at order 2 no counting: the session has them
        self._counted_orders.add(self.order)
        model = self._model(self.model_kind)
        self._sampler = self.session.sampler(model, algorithm=SAMPLERS[0])
        # The sampler starts with these: no watcher needs to pass them on.
        self.set_reactive(SamplePane.seed, self.sampler.seed)
        self.set_reactive(SamplePane.algorithm, self.sampler.algorithm)
        self._auto_timer = self.set_interval(AUTO_SECONDS, self._auto_tick, pause=True)
        self.run_worker(self._read_split, thread=True, group="sample-split")
        self._show()

    def _read_split(self) -> None:
        """On a worker thread: the split that marks the names; the list is marked when done."""
        try:
            split = self.session.word_split()
        except Exception as error:  # the file changed since loading, say: the names stay unmarked
            note = f"names stay unmarked (train, dev/test, new): {error}"
            self.app.call_from_thread(self.notify, note, severity="warning")
            return
        self.app.call_from_thread(self._use_split, split)

    def _use_split(self, split: WordSplit) -> None:
        self.query_one(NameHistory).use_split(split)

    # ----- the app's order and k ------------------------------------------------------------

    def watch_order(self, order: int) -> None:
        if not self.ready or order == self._sampled_order:
            return  # on_attach starts from the order; an order set again switches nothing
        self.when_counted(order, lambda: self._switch_order(order))

    def _switch_order(self, order: int) -> None:
        if order != self.order or order == self._sampled_order:
            return  # the user moved on while it was counted
        self._sampled_order = order
        # The status bar and the header say the order: a toast only for a name dropped.
        self._use_model(f"Order {order}", quiet=True)

    def watch_k(self, old: float, new: float) -> None:
        if self.ready and self.model_kind == "counts" and old != new:
            # The counts model at the app's k, chosen in Word or Evaluate: the header says
            # so, without a toast over the pane the user is in.
            self._use_model("Model", quiet=True)

    def copy_text(self) -> tuple[str, str] | None:
        """The sampled names in the list, one a line (the app's y copies them)."""
        if not self.ready:
            return None
        names = self.query_one(NameHistory).names
        return ("sampled names", "\n".join(names)) if names else None

    # ----- keys -------------------------------------------------------------------------

    def action_draw(self) -> None:
        self._follow_training()
        try:
            draw, finished = self.sampler.step()
        except NgramError as error:
            self._cannot_draw(error)
            return
        self._record([draw], finished)
        self._show()

    def action_finish(self) -> None:
        self._follow_training()
        try:
            draws, finished = self.sampler.finish_name()
        except NgramError as error:
            self._cannot_draw(error)
            return
        self._record(draws, finished)
        self._show()

    def _cannot_draw(self, error: Exception) -> None:
        # A context with no distribution (k = 0): say so, stop auto, and keep the pane working.
        self.auto_running = False
        self.notify(f"{error}; or choose another model with m", severity="warning", timeout=6)
        self._show()

    def action_colder(self) -> None:
        self._step_temperature(-1)

    def action_hotter(self) -> None:
        self._step_temperature(+1)

    def _step_temperature(self, step: int) -> None:
        ladder = TEMPERATURES
        here = min(range(len(ladder)), key=lambda i: abs(ladder[i] - self.temperature))
        there = here + step
        if not 0 <= there < len(ladder):
            end = "lowest" if step < 0 else "highest"
            self.notify(f"T = {self.temperature:g} is the {end} temperature here", timeout=2)
            return
        self.temperature = ladder[there]

    def action_next_top_k(self) -> None:
        self.top_k = _cycle(TOP_KS, self.top_k, +1)

    def action_previous_top_k(self) -> None:
        self.top_k = _cycle(TOP_KS, self.top_k, -1)

    def action_toggle_original(self) -> None:
        self.show_original = not self.show_original

    def action_auto(self) -> None:
        self.auto_running = not self.auto_running

    def action_reset(self) -> None:
        self.seed = self.sampler.seed

    def action_next_model(self) -> None:
        self.model_kind = _next(MODEL_KINDS, self.model_kind)

    def action_next_sampler(self) -> None:
        self.algorithm = _next(SAMPLERS, self.algorithm)

    def action_edit_seed(self) -> None:
        self.editing_seed = True

    @on(SeedFieldClosed)
    def _seed_field_closed(self) -> None:
        self.editing_seed = False

    @on(Input.Submitted, "#sample-seed-input")
    def _seed_submitted(self, event: Input.Submitted) -> None:
        try:
            seed = parse_seed(event.value)
        except ParameterError as error:
            # The field stays open with the text in it, to be corrected.
            self.query_one(SeedField).say(Content.styled(str(error), "$error bold"))
            return
        self.editing_seed = False
        self.seed = seed

    # ----- state ------------------------------------------------------------------------

    def watch_model_kind(self, kind: str) -> None:
        self._use_model("Model")

    def _use_model(self, what: str, quiet: bool = False) -> None:
        """Sample from the pane's model kind at its order, from the next name on."""
        sampler = self.sampler
        in_progress = "".join(sampler.current)
        sampler.model = self._model(self.model_kind)
        sampler.set_shaping(self.temperature, self.top_k)  # the rows of the new model
        # A name is drawn from one model: the one in progress is dropped.
        sampler.current, sampler.context = [], sampler.start
        self.last_draw, self.last_finished = None, None
        self._name_log_probs = []
        if not quiet:
            self.notify(f"{what}: {self._model_label()}", timeout=3)
        if in_progress and self.is_on_screen:
            self.notify(
                f"name in progress {in_progress!r} dropped: a name has one model", timeout=3
            )
        self._show()

    def watch_temperature(self) -> None:
        self._use_shaping()

    def watch_top_k(self) -> None:
        self._use_shaping()

    def _use_shaping(self) -> None:
        # From the next draw; the name in progress carries on. No toast: one per key would
        # pile up as the user steps through the values, and the header says it.
        self.sampler.set_shaping(self.temperature, self.top_k)
        self._show_next_step()

    def _show_next_step(self) -> None:
        """Show the step the next key draws, with the new T, top-k or sampler: the bars, the
        cumulative bar or race and the caption, at once (the last draw used the old ones)."""
        self.last_draw = None
        self._show()

    def watch_show_original(self) -> None:
        self._show_row()

    def watch_algorithm(self, algorithm: str) -> None:
        self.sampler.set_algorithm(algorithm)
        how = "the exponential race" if algorithm == "torch" else "u on the cumulative bar"
        self.notify(
            f"Sampler: {algorithm} ({how}) from the next draw; r replays from the seed",
            timeout=3,
        )
        self._show_next_step()

    def watch_seed(self, seed: int) -> None:
        self.sampler.reset(seed)
        self.last_draw, self.last_finished = None, None
        self._name_log_probs = []
        self.query_one(NameHistory).restart()
        self.query_one("#sample-history-title", Label).update("names")
        self.notify(f"Generator reset to seed {seed}", timeout=2)
        self._show()

    def watch_auto_running(self, running: bool) -> None:
        if self._auto_timer is not None:
            if running:
                self._auto_timer.resume()
            else:
                self._auto_timer.pause()
        self._show_header()

    def watch_editing_seed(self, editing: bool) -> None:
        self.set_class(editing, "-editing-seed")
        if editing:
            self.query_one(SeedField).open(self.sampler.seed)
        else:
            self.focus_default()

    def _model(self, kind: str) -> NextTokenModel:
        """The session's model of `kind` at the order sampled from; the counts model at the
        app's k, the neural one the order's net (what Train trains)."""
        order = self._sampled_order
        model = self.session.model(kind, self.k, order)
        self._model_note = self._note(kind, model)
        self._weights_of = self._weights_in_use(kind)
        return model

    def _note(self, kind: str, model: NextTokenModel | None = None) -> str:
        """What the model is made of, for the header: its k or D, or how trained its W is."""
        if kind == "neural":
            return weights_note(self.session.run(self._sampled_order).epoch)
        if kind == "kn":
            return f"D={getattr(model, 'discount', 0.0):g}"
        return {"smoothed": f"k={SMOOTHED_K:g}", "counts": f"k={self.k:g}"}.get(kind, "")

    def _weights_in_use(self, kind: str) -> tuple[object, int] | None:
        """Which W a neural model was built from (the run and its epoch), to tell when
        training moved on."""
        if kind != "neural":
            return None
        run = self.session.run(self._sampled_order)
        return run, run.epoch

    def _follow_training(self) -> bool:
        """Take the training run's W if it moved on since; whether it did."""
        if self._weights_of is None or self._weights_of == self._weights_in_use(self.model_kind):
            return False
        sampler = self.sampler
        # The name in progress carries on: the same order, only the weights are newer.
        sampler.model = self._model(self.model_kind)
        sampler.set_shaping(self.temperature, self.top_k)
        return True

    def action_refresh_weights(self) -> None:
        if self.model_kind != "neural":
            self.notify("w takes the net's W: choose the neural model with m first", timeout=3)
            return
        if self._follow_training():
            self.notify(f"Model: {self._model_label()}, from the next draw", timeout=3)
        else:
            self.notify(f"{self._model_note}: already the training run's latest", timeout=3)
        self._show()

    def on_show(self) -> None:
        if self.ready and self._follow_training():
            self._show()

    def _model_label(self) -> str:
        order = self._sampled_order
        name = KIND_LABELS.get(self.model_kind, self.model_kind)
        kind = name if order == 2 else f"{order}-gram {name}"
        if self.model_kind == "kn":  # its name says what D is: "Kneser–Ney D=0.75"
            return f"{kind} {self._model_note}"
        return f"{kind} ({self._model_note})" if self._model_note else kind

    def _record(self, draws: list[Draw], finished: SampledName | None) -> None:
        draw = draws[-1]
        self.last_draw = draw
        self.last_finished = finished
        self._drawn_with = shaping_label(self.sampler.temperature, self.sampler.top_k)
        for each in draws:
            p = float(each.original[each.chosen])
            self._name_log_probs.append(math.log(p) if p > 0 else -math.inf)
        if finished is None:
            return
        history = self.query_one(NameHistory)
        # The core keeps every name; the pane keeps as many as its list shows.
        del self.sampler.history[: -history.limit]
        history.add(finished, self._name_log_probs)
        self._name_log_probs = []
        mean = history.mean_nll
        title = "names" if mean is None else f"names · mean nll {mean:.2f}"
        self.query_one("#sample-history-title", Label).update(title)

    def _auto_tick(self) -> None:
        # Paused while another pane is shown: the names are there when the user comes back.
        if self.is_attached and self.display:
            self.action_draw()

    @property
    def auto_rate(self) -> float:
        """Auto draws a second at the current speed."""
        return self.auto_speed / AUTO_SECONDS

    def action_faster(self) -> None:
        self._step_speed(+1)

    def action_slower(self) -> None:
        self._step_speed(-1)

    def _step_speed(self, step: int) -> None:
        here = AUTO_SPEEDS.index(self.auto_speed)
        self.auto_speed = AUTO_SPEEDS[max(0, min(len(AUTO_SPEEDS) - 1, here + step))]

    def watch_auto_speed(self, speed: float) -> None:
        if self._auto_timer is not None:
            self._auto_timer.stop()
        self._auto_timer = self.set_interval(
            AUTO_SECONDS / speed, self._auto_tick, pause=not self.auto_running
        )
        self._show_header()

    # ----- drawing ----------------------------------------------------------------------

    def _show(self) -> None:
        self._show_header()
        sampler = self.sampler
        self.query_one("#sample-name", Static).update(
            name_line(sampler.current, self.last_draw, self.last_finished)
        )
        self._show_row()
        self._show_decision()

    def on_resize(self) -> None:
        # The header fits its width: another width may fit its labels, or not.
        if self.ready:
            self.call_after_refresh(self._show_header)

    def _show_header(self) -> None:
        sampler = self.sampler
        shaping = shaping_label(sampler.temperature, sampler.top_k)
        auto = f"{self.auto_rate:g}/s" if self.auto_running else None
        width = self.query_one("#sample-header").content_size.width or 1_000
        header = header_line(
            self._model_label(), sampler.algorithm, sampler.seed, auto, shaping, width
        )
        self.query_one("#sample-header", Static).update(header)

    def _row_context(self) -> tuple[int, ...]:
        """The context of the draw on screen, or of the next draw before any."""
        return self.last_draw.context if self.last_draw is not None else self.sampler.context

    def _rows(self) -> tuple[list[float], list[float], str]:
        """The row on screen as drawn and as the model gave it, and the shaping between."""
        draw = self.last_draw
        if draw is not None:
            return draw.probs.tolist(), draw.original.tolist(), self._drawn_with
        sampler = self.sampler
        shaping = shaping_label(sampler.temperature, sampler.top_k)
        try:
            original, drawn = sampler.row(self._row_context())
        except NgramError:  # a context with no distribution (k = 0): nothing to draw from
            nothing = [0.0] * sampler.model.vocab.size
            return nothing, nothing, shaping
        return drawn.tolist(), original.tolist(), shaping

    def _show_row(self) -> None:
        itos = self.sampler.model.vocab.itos
        context = self._row_context()
        drawn, original, shaping = self._rows()
        chosen = self.last_draw.chosen if self.last_draw is not None else None
        shaped = drawn != original
        if self.show_original or not shaped:
            note = "the model's own, not as drawn" if shaped else None
            title = row_title(itos, context, original, chosen, note)
            bars_probs, ghost = original, None
        else:
            title = row_title(itos, context, drawn, chosen, f"at {shaping}", original)
            bars_probs, ghost = drawn, original
        self.query_one("#sample-row-title", Static).update(title)
        self.query_one(ProbBars).show(itos, bars_probs, chosen, ghost)

    def _show_decision(self) -> None:
        draw = self.last_draw
        classic = self.sampler.algorithm == "classic" if draw is None else draw.race is None
        self.set_class(classic, "-classic")
        self.set_class(not classic, "-torch")
        itos = self.sampler.model.vocab.itos
        if not classic:
            rows = RACE_ROWS * (2 if self.size.height >= TALL_PANE else 1)
            self.query_one("#sample-race", Static).update(race_table(draw, itos, rows))
            return
        bar = self.query_one(CumulativeBar)
        line = self.query_one("#sample-u-line", Static)
        if draw is None:
            bar.show(itos, self._rows()[0], None, None)
            line.update(Content.styled(CLASSIC_PROMPT, MUTED))
        else:
            bar.show(itos, draw.probs.tolist(), float(draw.uniforms[0]), draw.chosen)
            line.update(u_line(draw, itos))
