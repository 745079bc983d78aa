"""The Sample tab: draw a name one character at a time, and see what decided each draw.

Each key press is one `NameSampler.step()`. The pane shows the probability row the draw
used, the random numbers it consumed and how they picked the winner: the classic
sampler's u on the cumulative bar, or torch's exponential race (sample_view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from bigram_tui.core.params import MODEL_KINDS, SAMPLERS, ParameterError, parse_seed

from .messages import SeedFieldClosed
from .pane import Pane
from .prob_bars import MUTED, CumulativeBar, ProbBars
from .sample_history import NameHistory
from .sample_seed import SeedField
from .sample_view import (
    CLASSIC_PROMPT,
    header_line,
    name_line,
    race_table,
    row_title,
    u_line,
)

if TYPE_CHECKING:
    from bigram_tui.core.model import BigramModel
    from bigram_tui.core.sampling import Draw, NameSampler, SampledName

AUTO_SECONDS = 0.1  # 10 draws a second: slow enough to follow
RACE_ROWS = 5  # leaders shown in the race table; twice as many on a tall terminal
TALL_PANE = 30


def _next(choices: tuple[str, ...], current: str) -> str:
    return choices[(choices.index(current) + 1) % len(choices)]


class SamplePane(Pane):
    """Steps core.sampling.NameSampler one draw at a time and explains each draw."""

    TITLE = "Sample"
    STYLESHEET = "sample.tcss"
    can_focus = True
    BINDINGS = [
        Binding("space", "draw", "Draw"),
        Binding("n", "draw", "Draw", show=False),
        Binding("f", "finish", "Finish"),
        Binding("a", "auto", "Auto"),
        Binding("m", "next_model", "Model"),
        Binding("t", "next_sampler", "Sampler"),
        Binding("r", "reset", "Reset"),
        Binding("s", "edit_seed", "Seed"),
    ]

    # The sampler's settings; each change reaches the sampler and the screen (the watchers).
    model_kind: var[str] = var(MODEL_KINDS[0], init=False)
    algorithm: var[str] = var(SAMPLERS[0], init=False)
    # Always: setting the same seed again still restarts from it (r).
    seed: var[int] = var(0, init=False, always_update=True)
    auto_running: var[bool] = var(False, init=False)
    editing_seed: var[bool] = var(False, init=False, always_update=True)  # s refocuses it

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._sampler: NameSampler | None = None
        self.last_draw: Draw | None = None
        self.last_finished: SampledName | None = None
        self._model_note = ""  # e.g. which epoch the neural weights are from
        self._auto_timer: Timer | None = None

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

    @property
    def sampler(self) -> NameSampler:
        assert self._sampler is not None, "SamplePane used before attach()"
        return self._sampler

    def on_attach(self) -> None:
        from bigram_tui.core.sampling import NameSampler

        self._sampler = NameSampler(self._model(self.model_kind), seed=self.session.seed)
        # The sampler starts with these: no watcher needs to pass them on.
        self.set_reactive(SamplePane.seed, self.sampler.seed)
        self.set_reactive(SamplePane.algorithm, self.sampler.algorithm)
        self._auto_timer = self.set_interval(AUTO_SECONDS, self._auto_tick, pause=True)
        self._show()

    # ----- keys -------------------------------------------------------------------------

    def action_draw(self) -> None:
        draw, finished = self.sampler.step()
        self._record(draw, finished)
        self._show()

    def action_finish(self) -> None:
        draws, finished = self.sampler.finish_name()
        self._record(draws[-1], finished)
        self._show()

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
        in_progress = "".join(self.sampler.current)
        self.sampler.model = self._model(kind)
        # A name is drawn from one model: the one in progress is dropped.
        self.sampler.current, self.sampler.context = [], 0
        self.last_draw, self.last_finished = None, None
        dropped = f"; dropped the name in progress {in_progress!r}" if in_progress else ""
        self.notify(f"Model: {self._model_label()}{dropped}. Next names start at '.'", timeout=3)
        self._show()

    def watch_algorithm(self, algorithm: str) -> None:
        self.sampler.set_algorithm(algorithm)
        how = "the exponential race" if algorithm == "torch" else "u on the cumulative bar"
        self.notify(
            f"Sampler: {algorithm} ({how}) from the next draw; r replays from the seed",
            timeout=3,
        )
        self._show_header()

    def watch_seed(self, seed: int) -> None:
        self.sampler.reset(seed)
        self.last_draw, self.last_finished = None, None
        self.query_one(NameHistory).restart()
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

    def _model(self, kind: str) -> BigramModel:
        if kind == "neural":
            epoch = self.session.run.epoch
            self._model_note = f"W after {epoch:,} epochs" if epoch else "W untrained"
        else:
            self._model_note = {"smoothed": "k=1", "counts": "k=0"}.get(kind, "")
        return self.session.model(kind)

    def _model_label(self) -> str:
        return f"{self.model_kind} ({self._model_note})" if self._model_note else self.model_kind

    def _record(self, draw: Draw, finished: SampledName | None) -> None:
        self.last_draw = draw
        self.last_finished = finished
        if finished is None:
            return
        history = self.query_one(NameHistory)
        # The core keeps every name; the pane keeps as many as its list shows.
        del self.sampler.history[: -history.limit]
        history.add(finished)

    def _auto_tick(self) -> None:
        if self.is_attached:
            self.action_draw()

    # ----- drawing ----------------------------------------------------------------------

    def _show(self) -> None:
        self._show_header()
        sampler = self.sampler
        self.query_one("#sample-name", Static).update(
            name_line(sampler.current, self.last_draw, self.last_finished)
        )
        self._show_row()
        self._show_decision()

    def _show_header(self) -> None:
        sampler = self.sampler
        header = header_line(
            self._model_label(), sampler.algorithm, sampler.seed, self.auto_running
        )
        self.query_one("#sample-header", Static).update(header)

    def _row_context(self) -> int:
        """The context of the draw on screen, or of the next draw before any."""
        return self.last_draw.context if self.last_draw is not None else self.sampler.context

    def _show_row(self) -> None:
        itos = self.sampler.model.vocab.itos
        context = self._row_context()
        if self.last_draw is not None:
            probs = self.last_draw.probs.tolist()
        else:
            probs = self.sampler.model.probs[context].tolist()
        chosen = self.last_draw.chosen if self.last_draw is not None else None
        self.query_one("#sample-row-title", Static).update(row_title(itos, context, probs, chosen))
        self.query_one(ProbBars).show(itos, probs, chosen)

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
            bar.show(itos, self.sampler.model.probs[self._row_context()].tolist(), None, None)
            line.update(Content.styled(CLASSIC_PROMPT, MUTED))
        else:
            bar.show(itos, draw.probs.tolist(), float(draw.uniforms[0]), draw.chosen)
            line.update(u_line(draw, itos))
