"""Pane 2: how likely a typed word is, bigram by bigram (at order n: context by context)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Input, Static

from bigram_tui.core.defaults import DEFAULT_ORDER
from bigram_tui.core.display import shown_text

from .messages import WordChanged
from .ngram_view import ORDER_NAMES, source_for
from .pane import Pane
from .weights_note import weights_note

if TYPE_CHECKING:
    from bigram_tui.core.ngram_model import NgramWordScore
    from bigram_tui.core.scoring import WordScore

MAX_WORD_LENGTH = 40  # a long paste is cut here, with a message: the table stays readable
SMOOTHING_STEPS = (0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)
SURPRISE_BAR_NATS = 8.0  # −log P of 8 (P ≈ 0.0003) fills the bar
BAR_WIDTH = 16
WALKTHROUGH_COLUMNS = 7  # probabilities per line: 7 × 9 characters fit in 80 columns


def printable(text: str) -> str:
    """Control characters shown as escapes, so a pasted \\x1b[2J never reaches the terminal raw."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def fmt_log(value: float) -> str:
    return "-inf" if value == -math.inf else f"{value:.4f}"


def surprise_bar(log_prob: float) -> Text:
    if log_prob == -math.inf:
        return Text("█" * BAR_WIDTH + " ∞", style="bold red")
    filled = min(BAR_WIDTH, round(-log_prob / SURPRISE_BAR_NATS * BAR_WIDTH))
    return Text("█" * filled, style="cyan")


class WordInput(Input):
    """The word field. Control characters never enter it; a paste too long is cut, with a notice."""

    def replace(self, text: str, start: int, end: int) -> None:
        start, end = sorted((max(0, start), min(len(self.value), end)))
        printable_text = "".join(ch for ch in text if ch.isprintable())
        notes = []
        if len(printable_text) < len(text):
            # A pasted escape sequence must not be drawn raw: it would act on the terminal.
            notes.append(f"left out {len(text) - len(printable_text)} control characters")
        room = (self.max_length or MAX_WORD_LENGTH) - (len(self.value) - (end - start))
        if len(printable_text) > room:
            arrived = f"{len(text):,} characters arrived; " if len(text) > 1 else ""
            notes.append(f"{arrived}a word here holds {self.max_length}, the rest is left out")
            printable_text = printable_text[: max(0, room)]
        if notes:
            self.notify("; ".join(notes).capitalize() + ".", severity="warning", timeout=4)
        super().replace(printable_text, start, end)


class WordPane(Pane):
    TITLE = "Word"
    STYLESHEET = "word.tcss"
    BINDINGS = [
        Binding("e,slash,enter", "edit", "Edit word", tooltip="type a word (escape leaves)"),
        Binding("plus,equals_sign", "smoothing(1)", "k+", tooltip="more fake counts (smoothing)"),
        Binding("minus", "smoothing(-1)", "k−", tooltip="fewer fake counts"),
        Binding(
            "m", "toggle_model", "Model", tooltip="score with the counts model or the neural net"
        ),
        Binding("w", "toggle_walkthrough", "Walkthrough", tooltip="the net's forward pass, In[22]"),
    ]

    # What the pane scores, and how; each change rescores (the watchers below).
    word: var[str] = var("andrejq", init=False)
    # Always: a key at the end of the scale still shows the net's latest numbers.
    k: var[float] = var(0.0, init=False, always_update=True)
    model_kind: var[str] = var("counts", init=False)
    walkthrough: var[bool] = var(False, init=False)
    order: var[int] = var(DEFAULT_ORDER, init=False)  # the app's; set through use_order

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # What `y` copies: a header and one row per example, tab-separated; None: nothing.
        self._copy_rows: list[tuple[str, ...]] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="word-entry"):
            yield Static("word", id="word-label")
            yield WordInput(
                self.word,
                placeholder="type a name",
                max_length=MAX_WORD_LENGTH,
                id="word-input",
            )
            yield Static(id="word-settings")
        with VerticalScroll(id="word-results", can_focus=True):
            yield Static(id="word-table")
            yield Static(id="word-summary")

    def on_attach(self) -> None:
        self.rescore()

    def default_focus(self) -> Widget:
        return self.query_one("#word-results")

    def focus_default(self) -> None:
        super().focus_default()
        # The neural net may have trained since: show its current numbers.
        self.rescore()

    def action_enabled(self, action: str) -> bool | None:
        # While the word field has focus these keys type into it: the footer must not offer them.
        typing = self.query_one("#word-input", Input).has_focus
        return not (
            typing and action in ("edit", "smoothing", "toggle_model", "toggle_walkthrough")
        )

    def action_edit(self) -> None:
        self.query_one("#word-input", Input).focus()

    @on(Input.Submitted, "#word-input")
    def _leave_input(self) -> None:
        self.focus_default()

    @on(Input.Changed, "#word-input")
    def _word_changed(self, event: Input.Changed) -> None:
        self.word = event.value

    def action_smoothing(self, direction: int) -> None:
        steps = SMOOTHING_STEPS
        position = max(i for i, k in enumerate(steps) if k <= self.k)
        if self.model_kind == "neural":
            self.notify("Smoothing applies to the counts model; switch with m.", timeout=3)
        self.k = steps[max(0, min(len(steps) - 1, position + direction))]

    def use_smoothing(self, k: float) -> None:
        self.k = k

    def action_toggle_model(self) -> None:
        self.model_kind = "neural" if self.model_kind == "counts" else "counts"

    def action_toggle_walkthrough(self) -> None:
        self.walkthrough = not self.walkthrough

    def watch_word(self, word: str) -> None:
        self.rescore()
        self.post_message(WordChanged(word))

    def watch_k(self) -> None:
        self.rescore()

    def watch_model_kind(self) -> None:
        self.rescore()

    def watch_walkthrough(self) -> None:
        self.rescore()

    def use_order(self, order: int) -> None:
        self.order = order

    def watch_order(self) -> None:
        self.rescore()

    @work(thread=True, group="ngram-counts")
    def _count_order(self, order: int) -> None:
        try:
            source_for(self.session).counts(order)
        except Exception as error:  # a data file gone or changed since loading: say so
            reason = shown_text(str(error))
            self.app.call_from_thread(
                self.notify, f"cannot count order {order}: {reason}", severity="error", timeout=6
            )
        else:
            self.app.call_from_thread(self.rescore)

    def grid_word(self) -> str:
        return self.word

    def copy_text(self) -> tuple[str, str] | None:
        if self._copy_rows is None:
            return None
        text = "".join("\t".join(row) + "\n" for row in self._copy_rows)
        return f"the score table ({len(self._copy_rows) - 1} rows)", text

    # Drawing -----------------------------------------------------------------------

    def _model_caption(self) -> str:
        if self.model_kind == "neural":
            return f"neural net, {weights_note(self.session.run.epoch)}"
        caption = f"counts, k = {self.k:g}"
        return caption if self.order == 2 else f"{caption}, {ORDER_NAMES[self.order]}"

    def rescore(self) -> None:
        if not self.ready:
            return  # the first rescore comes with the model, in on_attach
        self._copy_rows = None
        word = self.word
        model = self.session.model(self.model_kind, self.k)
        self.query_one("#word-settings", Static).update(
            Text.assemble(("model ", "dim"), self._model_caption())
        )
        table = self.query_one("#word-table", Static)
        summary = self.query_one("#word-summary", Static)
        if self.order != 2 and not self._ngram_ready(table, summary):
            return
        if not word.strip():
            table.update(
                Text("Type a word to score it: press e (or /), type, then enter.", style="bold")
            )
            summary.update("")
            return
        unknown = model.vocab.unknown_chars(word)
        if unknown:
            table.update(self._unknown_message(word, unknown))
            summary.update("")
            return
        if self.order != 2:
            ngram_score = source_for(self.session).score_word(self.order, self.k, word)
            table.update(self._ngram_table(ngram_score))
            summary.update(self._ngram_summary(ngram_score))
            return
        from bigram_tui.core.scoring import score_word

        score = score_word(model, word)
        rows: list[tuple[str, ...]] = [("bigram", "P", "log P")]
        rows += [(b.first + b.second, f"{b.prob:.6f}", fmt_log(b.log_prob)) for b in score.bigrams]
        self._copy_rows = rows
        if self.walkthrough:
            table.update(self._walkthrough(model, word))
        else:
            table.update(self._bigram_table(score))
        summary.update(self._summary(score))

    def _ngram_ready(self, table: Static, summary: Static) -> bool:
        """Whether the order's counts are here; if not, say so and count them (a worker)."""
        order = self.order
        if self.model_kind == "neural":
            table.update(
                Text(
                    "The net is a bigram (it trains in the Train pane): press m to score with "
                    f"the {ORDER_NAMES[order]} counts model, or o to go back to order 2.",
                    style="bold",
                )
            )
            summary.update("")
            return False
        if source_for(self.session).counted(order) is None:
            table.update(Text(f"counting order {order}…", style="bold"))
            summary.update("")
            self._count_order(order)
            return False
        return True

    def _ngram_table(self, score: NgramWordScore) -> Text:
        # Narrow columns: the longest reason still fits 80 columns beside a scrollbar.
        text = Text(f"{'context → next':<14}{'P':>6}{'log P':>10}  surprise −log P\n", "bold")
        rows: list[tuple[str, ...]] = [("context", "next", "P", "log P", "why -inf")]
        impossible = None
        for step in score.steps:
            context, token = printable("".join(step.context)), printable(step.next)
            text.append(f"{context:>7} → {token:<2}{step.prob:8.4f}  ")
            text.append(f"{fmt_log(step.log_prob):>8}  ")
            if step.reason is None:
                text.append_text(surprise_bar(step.log_prob))
            else:
                text.append(f"∞ {step.reason}", style="bold red")
                impossible = impossible or (context, token, step.reason)
            text.append("\n")
            row = (context, token, f"{step.prob:.6f}", fmt_log(step.log_prob), step.reason or "")
            rows.append(row)
        self._copy_rows = rows
        if impossible is not None:
            context, token, reason = impossible
            text.append(
                f"\n{token!r} after {context!r}: {reason}. P = 0, so log P = −inf and the whole "
                "word is impossible. Press + to add fake counts (k).\n",
                style="bold red",
            )
        return text

    def _ngram_summary(self, score: NgramWordScore) -> Text:
        order, k = self.order, self.k
        text = Text()
        text.append(f"log-likelihood  {fmt_log(score.log_likelihood)}\n")
        text.append(f"NLL             {score.nll:.4f}\n")
        text.append(f"mean NLL        {score.mean_nll:.4f}", style="bold")
        text.append(f"   over {len(score.steps)} {ORDER_NAMES[order]}s\n")
        reference = source_for(self.session).dataset_score(order, k)
        text.append(
            f"dataset mean NLL {reference.mean_nll:.6f}  ({ORDER_NAMES[order]} counts model, "
            f"k = {k:g}, {reference.examples:,} examples)\n",
            style="dim",
        )
        return text

    def _unknown_message(self, word: str, positions: list[int]) -> Text:
        marked = Text("  ")
        for i, ch in enumerate(word):
            style = "bold white on red" if i in positions else ""
            marked.append(printable(ch), style=style)
        first = positions[0]
        char = word[first]
        reason = (
            "'.' marks the start and end of every word, so it cannot be typed inside one"
            if char == "."
            else f"the data never contains {printable(repr(char))}"
        )
        marked.append("\n\n")
        marked.append(f"  position {first + 1}: {reason}.\n", style="bold")
        marked.append(
            f"  The vocabulary is {printable(''.join(self.session.vocab.itos))} "
            f"({self.session.vocab.size} characters).",
            style="dim",
        )
        return marked

    def _bigram_table(self, score: WordScore) -> Text:
        text = Text.assemble(
            ("bigram        P     log P   surprise −log P\n", "bold"),
        )
        never_seen = None
        for b in score.bigrams:
            pair = printable(b.first + b.second)
            text.append(f"{pair:>6}  {b.prob:8.4f}  {fmt_log(b.log_prob):>8}  ")
            text.append_text(surprise_bar(b.log_prob))
            text.append("\n")
            if b.log_prob == -math.inf and never_seen is None:
                never_seen = pair
        if never_seen is not None:
            text.append(
                f"\n{never_seen} never occurs in the data: P = 0, so log P = −inf and the "
                "whole word is impossible. Press + to add fake counts (k).\n",
                style="bold red",
            )
        return text

    def _walkthrough(self, model, word: str) -> Text:
        from bigram_tui.core.neural import walkthrough

        itos = model.vocab.itos
        # Titled for the model whose numbers these are (issue 10, item 2).
        title = (
            "The net's forward pass on each example (notebook In[22])"
            if self.model_kind == "neural"
            else f"Each example under the counts model, k = {self.k:g}: the row of P it reads"
        )
        text = Text(title + "\n", style="bold")
        steps = walkthrough(model, word)
        for n, step in enumerate(steps, start=1):
            pair = printable(step.first + step.second)
            text.append(f"\nexample {n}: {pair} (indices {step.input_index}, {step.label})\n")
            text.append(f"  input x = {step.input_index}   label y = {step.label}\n")
            text.append("  output probabilities\n")
            for start in range(0, len(itos), WALKTHROUGH_COLUMNS):
                text.append("   ")
                for i in range(start, min(start + WALKTHROUGH_COLUMNS, len(itos))):
                    cell = f" {printable(itos[i]):>1} {float(step.probs[i]):.4f}"
                    text.append(cell, style="bold reverse" if i == step.label else "dim")
                text.append("\n")
            text.append(
                f"  p(y) = {step.prob:.6f}   log p = {fmt_log(step.log_prob)}   "
                f"nll = {fmt_log(step.nll) if step.nll != math.inf else 'inf'}\n"
            )
        mean = sum(s.nll for s in steps) / len(steps)
        text.append(f"\nmean nll = loss = {mean:.4f}\n", style="bold")
        return text

    def _summary(self, score: WordScore) -> Text:
        text = Text()
        text.append(f"log-likelihood  {fmt_log(score.log_likelihood)}\n")
        text.append(f"NLL             {score.nll:.4f}\n")
        text.append(f"mean NLL        {score.mean_nll:.4f}", style="bold")
        text.append(f"   over {len(score.bigrams)} bigrams\n")
        if self.model_kind == "neural":
            # The net is compared with its own dataset NLL, not the counts model's.
            from bigram_tui.core.scoring import score_dataset

            net = score_dataset(self.session.model("neural"), self.session.counts)
            text.append(
                f"dataset mean NLL {net.mean_nll:.6f}  (neural net, "
                f"{weights_note(self.session.run.epoch)}, {net.bigrams:,} bigrams)\n",
                style="dim",
            )
            return text
        k = self.k
        reference = self.session.dataset_score(k)
        text.append(
            f"dataset mean NLL {reference.mean_nll:.6f}  (counts model, k = {k:g}, "
            f"{reference.bigrams:,} bigrams)\n",
            style="dim",
        )
        notebook_sum = self.session.notebook_log_likelihood
        if k == 0 and notebook_sum is not None:
            text.append(
                f"the notebook prints {-notebook_sum / reference.bigrams:.4f}: its float32 "
                f"running sum drifts to {notebook_sum:,.2f}, the exact sum is "
                f"{reference.log_likelihood:,.2f}",
                style="dim",
            )
        return text
