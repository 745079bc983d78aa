"""The Sample tab: draw a name one character at a time, and see what decided each draw.

Each key press is one `NameSampler.step()`. The pane shows the probability row the draw
used, the random numbers it consumed and how they picked the winner: the classic
sampler's u on the cumulative bar, or torch's exponential race.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input, Label, RichLog, Static

from bigram_tui.core.defaults import SAMPLERS
from bigram_tui.core.session import MODEL_KINDS

from .pane import Pane
from .prob_bars import CHOSEN, CHOSEN_LABEL, MUTED, CumulativeBar, ProbBars, display_char

if TYPE_CHECKING:
    from bigram_tui.core.model import BigramModel
    from bigram_tui.core.sampling import Draw, NameSampler, SampledName

HISTORY_LIMIT = 1_000
AUTO_SECONDS = 0.1  # 10 draws a second: slow enough to follow
RACE_ROWS = 5  # leaders shown in the race table; twice as many on a tall terminal
TALL_PANE = 30
RACE_NOTE = "q = −log(1−u) ~ Exp(1); winner = argmax p/q"


def parse_seed(text: str) -> int:
    """A seed typed by the user, or ValueError with a one-line reason."""
    from bigram_tui.core.rng import check_seed

    cleaned = text.strip().replace("_", "").replace(",", "")
    try:
        seed = int(cleaned)
    except ValueError:
        raise ValueError(f"seed must be a whole number, got {text.strip()!r}") from None
    return check_seed(seed)


def format_p(p: float) -> str:
    """p to 4 decimals, without passing a possible character off as 0.0000."""
    if 0 < p < 0.00005:
        return f"{p:.1e}"
    return f"{p:.4f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class SeedField(Horizontal):
    """The one-line seed editor that `s` opens. Escape closes it and changes nothing."""

    BINDINGS = [Binding("escape", "close", "Close the seed field", show=False)]

    def action_close(self) -> None:
        for pane in self.ancestors:
            if isinstance(pane, SamplePane):
                pane.close_seed_field()


class SamplePane(Pane):
    """Steps core.sampling.NameSampler one draw at a time and explains each draw."""

    TITLE = "Sample"
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

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sampler: NameSampler | None = None
        self.model_kind = MODEL_KINDS[0]
        self.last_draw: Draw | None = None
        self.last_finished: SampledName | None = None
        self.names_drawn = 0
        self._model_note = ""  # e.g. which epoch the neural weights are from
        self._auto_timer: Timer | None = None
        self.auto_running = False

    # ----- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="sample-header")
        with SeedField(id="sample-seed"):
            yield Label("seed", id="sample-seed-label")
            yield Input(id="sample-seed-input", compact=True, placeholder="0 … 2**64-1")
            yield Static(id="sample-seed-reason")
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
                yield RichLog(id="sample-history", max_lines=HISTORY_LIMIT, wrap=False)

    def on_attach(self) -> None:
        from bigram_tui.core.sampling import NameSampler

        assert self.session is not None
        self.sampler = NameSampler(self._model(self.model_kind), seed=self.session.seed)
        self._auto_timer = self.set_interval(AUTO_SECONDS, self._auto_tick, pause=True)
        self._show()
        # Focus may have landed here while loading hid our keys; let the footer show them.
        self.refresh_bindings()

    # ----- keys -------------------------------------------------------------------------

    def action_draw(self) -> None:
        if self.sampler is None:
            return
        draw, finished = self.sampler.step()
        self._record(draw, finished)
        self._show()

    def action_finish(self) -> None:
        if self.sampler is None:
            return
        draws, finished = self.sampler.finish_name()
        self._record(draws[-1], finished)
        self._show()

    def action_auto(self) -> None:
        if self._auto_timer is None:
            return
        self.auto_running = not self.auto_running
        if self.auto_running:
            self._auto_timer.resume()
        else:
            self._auto_timer.pause()
        self._show_header()

    def action_reset(self) -> None:
        if self.sampler is None:
            return
        self.sampler.reset()
        self._restart(f"Generator reset to seed {self.sampler.seed}")

    def action_next_model(self) -> None:
        if self.sampler is None:
            return
        kind = MODEL_KINDS[(MODEL_KINDS.index(self.model_kind) + 1) % len(MODEL_KINDS)]
        in_progress = "".join(self.sampler.current)
        self.model_kind = kind
        self.sampler.model = self._model(kind)
        # A name is drawn from one model: the one in progress is dropped.
        self.sampler.current, self.sampler.context = [], 0
        self.last_draw, self.last_finished = None, None
        dropped = f"; dropped the name in progress {in_progress!r}" if in_progress else ""
        self.notify(f"Model: {self._model_label()}{dropped}. Next names start at '.'", timeout=3)
        self._show()

    def action_next_sampler(self) -> None:
        if self.sampler is None:
            return
        algorithm = SAMPLERS[(SAMPLERS.index(self.sampler.algorithm) + 1) % len(SAMPLERS)]
        self.sampler.set_algorithm(algorithm)
        how = "the exponential race" if algorithm == "torch" else "u on the cumulative bar"
        self.notify(
            f"Sampler: {algorithm} ({how}) from the next draw; r replays from the seed",
            timeout=3,
        )
        self._show_header()

    def action_edit_seed(self) -> None:
        if self.sampler is None:
            return
        self.add_class("-editing-seed")
        field = self.query_one("#sample-seed-input", Input)
        field.value = str(self.sampler.seed)
        self.query_one("#sample-seed-reason", Static).update(
            Content.styled("enter: reset to this seed · esc: keep the current one", MUTED)
        )
        field.focus()

    def close_seed_field(self) -> None:
        self.remove_class("-editing-seed")
        self.focus_default()

    @on(Input.Submitted, "#sample-seed-input")
    def _seed_submitted(self, event: Input.Submitted) -> None:
        assert self.sampler is not None
        try:
            seed = parse_seed(event.value)
        except ValueError as error:
            # The field stays open with the text in it, to be corrected.
            self.query_one("#sample-seed-reason", Static).update(
                Content.styled(str(error), "$error bold")
            )
            return
        self.sampler.reset(seed)
        self.close_seed_field()
        self._restart(f"Generator reset to seed {seed}")

    # ----- state ------------------------------------------------------------------------

    def _model(self, kind: str) -> BigramModel:
        assert self.session is not None
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
        assert self.sampler is not None
        self.names_drawn += 1
        # The core keeps every name; the pane keeps memory bounded on long auto runs.
        del self.sampler.history[:-HISTORY_LIMIT]
        parts: list[tuple[str, str] | str] = [(f"{self.names_drawn:>4} ", MUTED)]
        parts.append(finished.text if finished.text else ("(empty)", MUTED))
        if finished.cut:
            parts.append(("…(cut)", "$warning"))
        self.query_one("#sample-history", RichLog).write(Content.assemble(*parts))

    def _restart(self, message: str) -> None:
        self.last_draw, self.last_finished = None, None
        self.names_drawn = 0
        self.query_one("#sample-history", RichLog).clear()
        self.notify(message, timeout=2)
        self._show()

    def _auto_tick(self) -> None:
        if self.sampler is not None and self.is_attached:
            self.action_draw()

    # ----- drawing ----------------------------------------------------------------------

    def _show(self) -> None:
        if self.sampler is None:
            return
        self._show_header()
        self._show_name()
        self._show_row()
        self._show_decision()

    def _show_header(self) -> None:
        assert self.sampler is not None
        auto = ("  ▶ auto", CHOSEN) if self.auto_running else ""
        self.query_one("#sample-header", Static).update(
            Content.assemble(
                ("model ", MUTED),
                (self._model_label(), "bold"),
                ("  sampler ", MUTED),
                (self.sampler.algorithm, "bold"),
                ("  seed ", MUTED),
                (str(self.sampler.seed), "bold"),
                auto,
            )
        )

    def _show_name(self) -> None:
        assert self.sampler is not None
        draw = self.last_draw
        parts: list[tuple[str, str] | str] = [("name ", MUTED)]
        if draw is None:
            parts.append(("press space (or n) to draw the first character", MUTED))
        elif self.last_finished is not None:
            name = self.last_finished.text
            parts += [name, (".", CHOSEN_LABEL), ("  finished: ", MUTED), (repr(name), "bold")]
            if self.last_finished.cut:
                parts.append(("  cut at the maximum length", "$warning"))
        else:
            so_far = self.sampler.current
            parts += ["".join(so_far[:-1]), (so_far[-1], CHOSEN_LABEL)]
        self.query_one("#sample-name", Static).update(Content.assemble(*parts))

    def _row_context(self) -> int:
        """The context of the draw on screen, or of the next draw before any."""
        assert self.sampler is not None
        return self.last_draw.context if self.last_draw is not None else self.sampler.context

    def _show_row(self) -> None:
        assert self.sampler is not None
        itos = self.sampler.model.vocab.itos
        context = self._row_context()
        if self.last_draw is not None:
            probs = self.last_draw.probs.tolist()
        else:
            probs = self.sampler.model.probs[context].tolist()
        chosen = self.last_draw.chosen if self.last_draw is not None else None
        title: list[tuple[str, str] | str] = [
            ("P(next | ", MUTED),
            (repr(display_char(itos[context])), "bold"),
            (")", MUTED),
            ("  tallest bar p = ", MUTED),
            format_p(max(probs)),
        ]
        if chosen is not None:
            title += [("  drew ", MUTED), (repr(display_char(itos[chosen])), CHOSEN)]
        self.query_one("#sample-row-title", Static).update(Content.assemble(*title))
        self.query_one(ProbBars).show(itos, probs, chosen)

    def _show_decision(self) -> None:
        assert self.sampler is not None
        draw = self.last_draw
        classic = self.sampler.algorithm == "classic" if draw is None else draw.race is None
        self.set_class(classic, "-classic")
        self.set_class(not classic, "-torch")
        itos = self.sampler.model.vocab.itos
        if classic:
            self._show_classic(draw, itos)
        else:
            self._show_race(draw, itos)

    def _show_classic(self, draw: Draw | None, itos: tuple[str, ...]) -> None:
        bar = self.query_one(CumulativeBar)
        line = self.query_one("#sample-u-line", Static)
        if draw is None:
            assert self.sampler is not None
            bar.show(itos, self.sampler.model.probs[self._row_context()].tolist(), None, None)
            line.update(Content.styled("classic: one uniform u, placed on this bar", MUTED))
            return
        probs = draw.probs.tolist()
        u = float(draw.uniforms[0])
        bar.show(itos, probs, u, draw.chosen)
        assert draw.cumulative is not None
        high = float(draw.cumulative[draw.chosen])
        low = high - probs[draw.chosen]
        chosen = repr(display_char(itos[draw.chosen]))
        if low < u <= high:
            # searchsorted: the first character whose cumulative p reaches u.
            text = f"u = {u:.6f} falls in ({low:.4f}, {high:.4f}] → "
        else:
            text = f"u = {u:.6f} is past the rounded total {high:.4f} → last possible "
        line.update(Content.assemble(text, (chosen, CHOSEN_LABEL)))

    def _show_race(self, draw: Draw | None, itos: tuple[str, ...]) -> None:
        race = self.query_one("#sample-race", Static)
        if draw is None or draw.race is None:
            race.update(
                Content.assemble(
                    ("torch: one u per character; the largest p/q wins\n", MUTED),
                    (RACE_NOTE, MUTED),
                )
            )
            return
        probs = draw.probs.tolist()
        uniforms = draw.uniforms.tolist()
        q = draw.race.tolist()
        ratio = [p / qi for p, qi in zip(probs, q)]
        rows = RACE_ROWS * (2 if self.size.height >= TALL_PANE else 1)
        leaders = sorted(range(len(probs)), key=lambda i: -ratio[i])[:rows]
        rank_by_p = sorted(range(len(probs)), key=lambda i: -probs[i]).index(draw.chosen) + 1
        parts: list[tuple[str, str] | str] = [
            (f"{'char':<5}{'p':>8}{'u':>10}{'q':>9}{'p/q':>11}\n", "bold")
        ]
        for i in leaders:
            row = (
                f"{display_char(itos[i])!r:<5}{format_p(probs[i]):>8}{uniforms[i]:>10.6f}"
                f"{q[i]:>9.4f}{ratio[i]:>11.4f}"
            )
            winner = i == draw.chosen
            parts.append((row, CHOSEN_LABEL if winner else ""))
            parts.append(("  ← winner\n", CHOSEN) if winner else "\n")
        parts.append((f"{RACE_NOTE}\n", MUTED))
        winner = repr(display_char(itos[draw.chosen]))
        parts.append((f"{winner} was the {ordinal(rank_by_p)} most likely by p", MUTED))
        race.update(Content.assemble(*parts))
