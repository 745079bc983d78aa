"""Pane 2: how likely a typed word is, bigram by bigram (at order n: context by context)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Input, Static

from bigram_tui.core.display import order_name

from .messages import WordChanged
from .pane import Pane, next_k
from .weights_note import weights_note
from .word_walkthrough import (
    Walkthrough,
    context_id,
    fmt_log,
    order_label,
    order_shares,
    percent,
    printable,
)

if TYPE_CHECKING:
    from bigram_tui.core.session import DatasetScore, KneserNeyModel, NextTokenModel, WordScore

MAX_WORD_LENGTH = 40  # a long paste is cut here, with a message: the table stays readable
SURPRISE_BAR_NATS = 8.0  # −log P of 8 (P ≈ 0.0003) fills the bar
BAR_WIDTH = 16
# What `m` steps through: the counts model at k, the order's net, interpolated Kneser–Ney.
MODEL_KINDS = ("counts", "neural", "kn")
SHARE_COLUMN = 5  # characters per order's share in the Kneser–Ney table


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
            "m",
            "toggle_model",
            "Model",
            tooltip="score with the counts model, the neural net or Kneser–Ney",
        ),
        Binding(
            "w",
            "toggle_walkthrough",
            "Walkthrough",
            tooltip="each example worked through: the forward pass of In[22]",
        ),
    ]

    # What the pane scores, and how; each change rescores (the watchers below).
    word: var[str] = var("andrejq", init=False)
    # The app's k (Pane), here always updated: a key at the end of the scale still shows
    # the net's latest numbers.
    k: var[float] = var(0.0, init=False, always_update=True)
    model_kind: var[str] = var("counts", init=False)
    walkthrough: var[bool] = var(False, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # What `y` copies: a header and one row per example, tab-separated; None: nothing.
        self._copy_rows: list[tuple[str, ...]] | None = None
        # What the last summary scored (model kind, order, k; the net's W) and its score.
        self._reference: tuple[tuple[object, ...], object, DatasetScore] | None = None

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
        if self.model_kind != "counts":
            self.notify("Smoothing k applies to the counts model; switch with m.", timeout=3)
        self.share("k", next_k(self.k, direction))

    def action_toggle_model(self) -> None:
        at = MODEL_KINDS.index(self.model_kind)
        self.model_kind = MODEL_KINDS[(at + 1) % len(MODEL_KINDS)]

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

    def watch_order(self) -> None:
        self.rescore()

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
            caption = f"neural net, {weights_note(self.session.run(self.order).epoch)}"
        elif self.model_kind == "kn":
            caption = f"Kneser–Ney, D = {self._discount():g}"
        else:
            caption = f"counts, k = {self.k:g}"
        return caption if self.order == 2 else f"{caption}, {order_name(self.order)}"

    def _discount(self) -> float:
        """Kneser–Ney's D at this order: chosen on dev with a split, else the default."""
        return self.session.default_discount(self.order)

    def rescore(self) -> None:
        if not self.ready:
            return  # the first rescore comes with the model, in on_attach
        self._copy_rows = None
        table = self.query_one("#word-table", Static)
        summary = self.query_one("#word-summary", Static)
        order = self.order
        if not self.counted(order):
            self.query_one("#word-settings", Static).update("")
            table.update(Text(f"counting order {order}…", style="bold"))
            summary.update("")
            self.when_counted(order, self.rescore)
            return
        session = self.session
        # The net is the order's, the one the Train pane trains (session.run(order)).
        model = session.model(self.model_kind, self.k, order)
        self.query_one("#word-settings", Static).update(
            Text.assemble(("model ", "dim"), self._model_caption())
        )
        word = self.word
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
        [score] = session.score_words([word], model)
        if self.walkthrough:
            table.update(self._walkthrough(model, word))
            self._copy_rows = self._score_rows(score)
        elif self.model_kind == "kn":
            table.update(self._kn_table(cast("KneserNeyModel", model), score))
        elif order == 2:
            table.update(self._bigram_table(score))
            self._copy_rows = self._score_rows(score)
        else:
            table.update(self._ngram_table(score))
        summary.update(self._summary(model, score))

    @staticmethod
    def _score_rows(score: WordScore) -> list[tuple[str, ...]]:
        """What `y` copies at order 2, and under the walkthrough: one row per example."""
        if len(score.steps[0].context) != 1:
            return WordPane._ngram_rows(score)
        rows: list[tuple[str, ...]] = [("bigram", "P", "log P")]
        for step in score.steps:
            rows.append((step.context[0] + step.next, f"{step.prob:.6f}", fmt_log(step.log_prob)))
        return rows

    @staticmethod
    def _ngram_rows(score: WordScore) -> list[tuple[str, ...]]:
        rows: list[tuple[str, ...]] = [("context", "next", "P", "log P", "why -inf")]
        for step in score.steps:
            context, token = printable("".join(step.context)), printable(step.next)
            prob, log_prob = f"{step.prob:.6f}", fmt_log(step.log_prob)
            rows.append((context, token, prob, log_prob, step.reason or ""))
        return rows

    def _ngram_table(self, score: WordScore) -> Text:
        # Narrow columns: the longest row still fits 80 columns beside a scrollbar.
        text = Text(f"{'context → next':<14}{'P':>6}{'log P':>10}  surprise −log P\n", "bold")
        impossible: list[tuple[str, str, str]] = []
        for step in score.steps:
            context, token = printable("".join(step.context)), printable(step.next)
            text.append(f"{context:>7} → {token:<2}{step.prob:8.4f}  ")
            text.append(f"{fmt_log(step.log_prob):>8}  ")
            # The same bar as the bigram table's: −inf fills it, in red, with ∞.
            text.append_text(surprise_bar(step.log_prob))
            text.append("\n")
            if step.log_prob == -math.inf:
                impossible.append((context, token, step.reason or "probability zero"))
        self._copy_rows = self._ngram_rows(score)
        if impossible:
            text.append("\n")
            for context, token, reason in impossible:
                text.append(f"{token!r} after {context!r}: {reason}.\n", style="bold red")
            text.append(
                "P = 0, so log P = −inf and the whole word is impossible. "
                "Press + to add fake counts (k).\n",
                style="bold red",
            )
        return text

    def _kn_table(self, model: KneserNeyModel, score: WordScore) -> Text:
        """Each step's P, and how much of it came from each order: the back-off at work."""
        size = model.vocab.size
        stoi = {token: i for i, token in enumerate(model.vocab.itos)}
        contexts = [context_id([stoi[t] for t in step.context], size) for step in score.steps]
        nexts = [stoi[step.next] for step in score.steps]
        shares = order_shares(model, contexts, nexts)
        orders = range(model.order, -1, -1)  # the longest context first, 1/V last
        text = Text(f"{'context → next':<14}{'P':>6}{'log P':>10}  % of P from order", "bold")
        text.append("\n" + " " * 32)
        for order in orders:
            text.append(f"{order if order else '1/V':>{SHARE_COLUMN}}", style="bold")
        text.append("\n")
        for step, parts in zip(score.steps, shares, strict=True):
            context = printable("".join(step.context)) or "·"
            text.append(f"{context:>7} → {printable(step.next):<2}{step.prob:8.4f}  ")
            text.append(f"{fmt_log(step.log_prob):>8}  ")
            total = math.fsum(parts)
            for order in orders:
                share = parts[order] / total if total > 0 else 0.0
                style = "bold cyan" if share >= 0.5 else ("dim" if share == 0 else "")
                text.append(f"{percent(share, ''):>{SHARE_COLUMN}}", style=style)
            text.append("\n")
        self._copy_rows = self._kn_rows(score, shares)
        text.append(
            "\nEach number is the % of P that order gives (1/V: the uniform part). · : that "
            "order never saw this next after its context, so it passes its weight down to "
            "the shorter context: the back-off. w shows each part.\n",
            style="dim",
        )
        return text

    @staticmethod
    def _kn_rows(score: WordScore, shares: list[list[float]]) -> list[tuple[str, ...]]:
        orders = range(len(shares[0]) - 1, -1, -1)
        header = ("context", "next", "P", "log P", *(f"P from {order_label(o)}" for o in orders))
        rows: list[tuple[str, ...]] = [header]
        for step, parts in zip(score.steps, shares, strict=True):
            context, token = printable("".join(step.context)), printable(step.next)
            numbers = (f"{parts[o]:.6g}" for o in orders)
            rows.append((context, token, f"{step.prob:.6f}", fmt_log(step.log_prob), *numbers))
        return rows

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
        for step in score.steps:
            pair = printable(step.context[0] + step.next)
            text.append(f"{pair:>6}  {step.prob:8.4f}  {fmt_log(step.log_prob):>8}  ")
            text.append_text(surprise_bar(step.log_prob))
            text.append("\n")
            if step.log_prob == -math.inf and never_seen is None:
                never_seen = pair
        if never_seen is not None:
            text.append(
                f"\n{never_seen} never occurs in the data: P = 0, so log P = −inf and the "
                "whole word is impossible. Press + to add fake counts (k).\n",
                style="bold red",
            )
        return text

    def _walkthrough(self, model: NextTokenModel, word: str) -> Text:
        # Titled for the model whose numbers these are (issue 10, item 2).
        kind = self.model_kind
        caption = {"counts": f"k = {self.k:g}", "kn": self._model_caption()}.get(kind, "")
        steps = self.session.walkthrough(word, model)
        return Walkthrough(model, kind, steps, caption).text()

    def _dataset_score(self, model: NextTokenModel) -> DatasetScore:
        """The model's score of the whole data, kept while the model is the same: the net's
        costs a softmax per distinct n-gram, too slow to redo at every key at order 5."""
        kind, order = self.model_kind, self.order
        weights = self.session.run(order).weights if kind == "neural" else None
        key = (kind, order, self._discount() if kind == "kn" else self.k)
        kept = self._reference
        # W is replaced by every step, never changed in place: `is` tells a newer one.
        if kept is None or kept[0] != key or kept[1] is not weights:
            score = self.session.dataset_score(self.k, order, model)
            kept = self._reference = (key, weights, score)
        return kept[2]

    def _summary(self, model: NextTokenModel, score: WordScore) -> Text:
        order, k = self.order, self.k
        # The lecture's words at order 2: bigrams; at any other order, n-grams by name.
        examples = "bigrams" if order == 2 else f"{order_name(order)}s"
        text = Text()
        text.append(f"log-likelihood  {fmt_log(score.log_likelihood)}\n")
        text.append(f"NLL             {score.nll:.4f}\n")
        text.append(f"mean NLL        {score.mean_nll:.4f}", style="bold")
        text.append(f"   over {len(score.steps)} {examples}\n")
        # The word beside its model's own score of the whole data (the net against its own).
        reference = self._dataset_score(model)
        count = f"{reference.examples:,} {'bigrams' if order == 2 else 'examples'}"
        if self.model_kind == "neural":
            name = "neural net" if order == 2 else f"{order_name(order)} neural net"
            epoch = self.session.run(order).epoch
            text.append(
                f"dataset mean NLL {reference.mean_nll:.6f}  ({name}, "
                f"{weights_note(epoch)}, {count})\n",
                style="dim",
            )
            return text
        if self.model_kind == "kn":
            name = "Kneser–Ney" if order == 2 else f"{order_name(order)} Kneser–Ney"
            text.append(
                f"dataset mean NLL {reference.mean_nll:.6f}  ({name}, D = {self._discount():g}, "
                f"{count})\n",
                style="dim",
            )
            return text
        name = "counts model" if order == 2 else f"{order_name(order)} counts model"
        text.append(
            f"dataset mean NLL {reference.mean_nll:.6f}  ({name}, k = {k:g}, {count})\n",
            style="dim",
        )
        notebook_sum = self.session.notebook_log_likelihood
        if order == 2 and k == 0 and notebook_sum is not None:
            text.append(
                f"the notebook prints {-notebook_sum / reference.examples:.4f}: its float32 "
                f"running sum drifts to {notebook_sum:,.2f}, the exact sum is "
                f"{reference.log_likelihood:,.2f}",
                style="dim",
            )
        return text
