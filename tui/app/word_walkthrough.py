"""The Word pane's walkthrough (`w`): the notebook's In[22], example by example, at any order.

For the net, each example shows what the lecture prints: the input x and its one-hot xenc,
the logits (xenc @ W, the row(s) of W that x picks), the counts (exp of the logits), the
probabilities (counts / their sum), the label y, the probability the net gives y, its log
and the NLL; then the mean NLL, the loss. The vectors are V wide: each shows its five most
likely next tokens (the label always among them) and the sum of all V.

For the counts model the example reads its row of counts (+ k) and normalises it; for
Kneser–Ney it shows P and how much of P(y) came from each order (the back-off at work).
Every number is the model's own, printed to four decimals (P(y) to six).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, cast

from rich.text import Text

from bigram_tui.core.display import order_name

if TYPE_CHECKING:
    import torch

    from bigram_tui.core.session import ExampleStep, KneserNeyModel, NextTokenModel

TOP_ENTRIES = 5  # columns per vector: the most likely next tokens, the label among them
ONE_HOT_BITS_MAX = 54  # a one-hot this wide or less is printed bit by bit (order 2, 3)
COLUMN = 10  # characters per number column: a space, then up to 9 of the number
ROW_LABEL = 8  # "  logits"
SHARE_BAR = 12  # cells of the bar that shows an order's share of P(y)
LABEL_STYLE = "bold reverse"


class Net(Protocol):
    """What the walkthrough reads of a net (core.neural.NeuralNgramModel)."""

    @property
    def kind(self) -> str: ...  # "table" or "linear"
    @property
    def contexts(self) -> torch.Tensor: ...  # table: the context id of each row of W

    def logits(self, context_ids: torch.Tensor) -> torch.Tensor: ...


class PairCounts(Protocol):
    def lookup(self, ids: torch.Tensor) -> torch.Tensor: ...


class CountsModel(Protocol):
    """What the walkthrough reads of the counts model (core.model.NgramModel)."""

    @property
    def k(self) -> float: ...
    @property
    def counts(self) -> PairCounts: ...


def printable(text: str) -> str:
    """Control characters shown as escapes, so a pasted \\x1b[2J never reaches the terminal raw."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def number(value: float) -> str:
    """A vector entry in COLUMN characters: four decimals, or three significant digits and
    an exponent when it is too large for them."""
    if math.isnan(value):
        shown = "nan"
    elif math.isinf(value):
        shown = "inf" if value > 0 else "-inf"
    elif abs(value) >= 1000:
        shown = f"{value:.2e}"
    else:
        shown = f"{value:.4f}"
    return shown.rjust(COLUMN)


def count(value: float, width: int = COLUMN) -> str:
    """A count + k exactly, with thousands marks: k has at most two decimals (K_STEPS)."""
    shown = f"{value:,.2f}".rstrip("0").rstrip(".")
    return (" " + shown).rjust(width)


def fmt_log(value: float) -> str:
    return "-inf" if value == -math.inf else f"{value:.4f}"


def fmt_nll(value: float) -> str:
    return "inf" if value == math.inf else f"{value:.4f}"


def context_id(inputs: Sequence[int], size: int) -> int:
    """The base-V id of the context tokens, oldest most significant (core.scoring's)."""
    value = 0
    for token in inputs:
        value = value * size + token
    return value


def shown_columns(probs: Sequence[float], label: int) -> list[int]:
    """The TOP_ENTRIES most likely tokens, most likely first; the label replaces the last
    when it is not among them."""
    ranked = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    shown = ranked[:TOP_ENTRIES]
    if label not in shown:
        shown[-1] = label
    return shown


def quoted(tokens: Sequence[str]) -> str:
    return "'" + printable("".join(tokens)) + "'"


class Walkthrough:
    """The walkthrough of one word under one model, as a Text."""

    def __init__(
        self, model: NextTokenModel, kind: str, steps: Sequence[ExampleStep], caption: str
    ) -> None:
        self.model, self.kind, self.steps, self.caption = model, kind, steps, caption
        self.itos = model.vocab.itos
        self.size = model.vocab.size

    # The whole -------------------------------------------------------------------

    def text(self) -> Text:
        text = self._intro()
        for n, step in enumerate(self.steps, start=1):
            text.append("\n")
            self._example(text, n, step)
        nlls = [step.nll for step in self.steps]
        mean = sum(nlls) / len(nlls)
        text.append(
            "\nmean nll = ("
            + " + ".join(fmt_nll(v) for v in nlls[:3])
            + (" + …" if len(nlls) > 3 else "")
            + f") / {len(nlls)} = {fmt_nll(mean)}",
            style="bold",
        )
        if self.kind == "neural":
            text.append("  (the loss)", style="bold")
        text.append("\n")
        return text

    def _intro(self) -> Text:
        if self.kind == "neural":
            title = "The net's forward pass on each example (notebook In[22])"
            how = (
                "xenc = one_hot(x); logits = xenc @ W (the row x picks); "
                "counts = logits.exp(); probs = counts / counts.sum(1)."
            )
        elif self.kind == "kn":
            title = f"Each example under {self.caption}: P and where it comes from"
            how = (
                "P(y) mixes every order: the longest context's discounted counts, then "
                "what the discount frees, passed down to the shorter contexts and 1/V."
            )
        else:
            title = f"Each example under the counts model, {self.caption}: the row of P it reads"
            how = "counts = N[x] + k, the row of x's counts; probs = counts / counts.sum()."
        text = Text(title + "\n", style="bold")
        text.append(how, style="dim")
        text.append(
            f" Each vector: its {TOP_ENTRIES} likeliest of {self.size} entries (y highlighted),"
            " and the sum of all.\n",
            style="dim",
        )
        return text

    # One example -----------------------------------------------------------------

    def _example(self, text: Text, n: int, step: ExampleStep) -> None:
        context = quoted(step.context) if step.context else "no context"
        text.append(f"example {n} of {len(self.steps)}: ", style="bold")
        text.append(f"{context} → {quoted(step.next)}", style="bold")
        text.append(f"   x = {self._x(step)}, y = {step.label}\n")
        probs = [float(p) for p in step.probs.tolist()]
        columns = shown_columns(probs, step.label)
        vectors: list[tuple[str, list[float], float | None]] = []
        if self.kind == "neural":
            logits, note = self._net_lines(text, step)
            counts = [math.exp(v) if v < 709 else math.inf for v in logits]
            vectors += [("logits", logits, None), ("counts", counts, math.fsum(counts))]
            if note:
                text.append(f"  {note}\n", style="dim")
        elif self.kind == "counts":
            row, total = self._counts_row(step)
            row_of = f"the row of {context}" if step.context else "the one row of counts"
            index = f"[{self._x(step)}]" if step.context else ""
            text.append(f"  {row_of}: N{index} + k\n", style="dim")
            vectors.append(("counts", row, total))
            if total == 0:
                text.append("  context never seen: no counts, no distribution (0/0)\n", "dim")
        vectors.append(("probs", probs, math.fsum(probs)))
        self._vector_table(text, columns, step.label, vectors)
        text.append(
            f"  p = probs[{step.label}] = {step.prob:.6f}   log p = {fmt_log(step.log_prob)}"
            f"   nll = −log p = {fmt_nll(step.nll)}\n"
        )
        if self.kind == "kn":
            self._shares(text, step)

    def _x(self, step: ExampleStep) -> str:
        if not step.inputs:
            return "()"
        if len(step.inputs) == 1:
            return str(step.inputs[0])
        return "(" + ", ".join(map(str, step.inputs)) + ")"

    def _vector_table(
        self,
        text: Text,
        columns: list[int],
        label: int,
        vectors: list[tuple[str, list[float], float | None]],
    ) -> None:
        hidden = f" +{self.size - len(columns)}" if self.size > len(columns) else ""
        text.append(" " * ROW_LABEL)
        for i in columns:
            token = printable(self.itos[i])
            head = f"y={token}" if i == label else token
            text.append(head.rjust(COLUMN), style=LABEL_STYLE if i == label else "bold")
        text.append(hidden, style="dim")
        text.append(f"{'Σ all':>{COLUMN + 1}}\n", style="bold")
        for name, values, total in vectors:
            shown = count if name == "counts" and self.kind == "counts" else number
            text.append(f"  {name:<{ROW_LABEL - 2}}")
            for i in columns:
                text.append(shown(values[i]), style=LABEL_STYLE if i == label else "")
            text.append(" " * len(hidden))
            if total is not None:
                text.append(" " + number(total) if shown is number else count(total, COLUMN + 1))
            text.append("\n")

    # The net ----------------------------------------------------------------------

    def _net_lines(self, text: Text, step: ExampleStep) -> tuple[list[float], str]:
        """Write the one-hot and which rows of W the logits are; return the logits."""
        import torch

        net = cast(Net, self.model)
        cid = context_id(step.inputs, self.size)
        logits = [float(v) for v in net.logits(torch.tensor([cid]))[0].tolist()]
        if net.kind == "table":
            rows = net.contexts
            width = len(rows)
            row = int(torch.searchsorted(rows, torch.tensor([cid]))[0])
            if row >= width or int(rows[row]) != cid:
                text.append(f"  xenc: no row of W for this context ({width:,} rows: seen ones)\n")
                return logits, "logits = 0 for every token: the uniform distribution"
            self._one_hot(text, [row], width, "row")
            what = f"W[{row}]" + (f", the row of {quoted(step.context)}" if width > 1 else "")
            text.append(f"  logits = xenc @ W = {what}\n", style="dim")
            return logits, ""
        hot = [j * self.size + token for j, token in enumerate(step.inputs)]
        self._one_hot(text, hot, len(step.inputs) * self.size, "position")
        picked = " + ".join(f"W[{i}]" for i in hot)
        text.append(f"  logits = xenc @ W = {picked}, a row per context position\n", "dim")
        return logits, ""

    def _one_hot(self, text: Text, hot: list[int], width: int, what: str) -> None:
        if width <= ONE_HOT_BITS_MAX:
            text.append("  xenc = ")
            for i in range(width):
                text.append("1" if i in hot else "0", style=LABEL_STYLE if i in hot else "dim")
            text.append(f"  ({width} wide)\n", style="dim")
            return
        where = " and ".join(str(i) for i in hot)
        per = "one per context position" if what == "position" else "one per context seen"
        text.append(f"  xenc = one-hot, {width:,} wide ({per}): 1 at {where}, 0 elsewhere\n")

    # The counts model ---------------------------------------------------------------

    def _counts_row(self, step: ExampleStep) -> tuple[list[float], float]:
        import torch

        model = cast(CountsModel, self.model)
        cid = context_id(step.inputs, self.size)
        ids = cid * self.size + torch.arange(self.size)
        counts = [float(c) for c in model.counts.lookup(ids).tolist()]
        if sum(counts) == 0 and model.k == 0:
            return counts, 0.0
        row = [c + model.k for c in counts]
        return row, math.fsum(row)

    # Kneser–Ney -----------------------------------------------------------------------

    def _shares(self, text: Text, step: ExampleStep) -> None:
        for line in share_lines(cast("KneserNeyModel", self.model), step, self.size):
            text.append_text(line)
            text.append("\n")


def order_shares(
    model: KneserNeyModel, context_ids: Sequence[int], nexts: Sequence[int]
) -> list[list[float]]:
    """Per example, how much of P each order gives: a list per example, column n for
    order n (0: the uniform 1/V part), from the model's own `contributions`."""
    import torch

    table = model.contributions(torch.tensor(list(context_ids)), torch.tensor(list(nexts)))
    return [[float(v) for v in row] for row in table.tolist()]


def order_label(order: int) -> str:
    return "uniform 1/V" if order == 0 else order_name(order)


def share_lines(model: KneserNeyModel, step: ExampleStep, size: int) -> list[Text]:
    """The lines under a Kneser–Ney example: each order's part of P(y), a bar and a share."""
    [parts] = order_shares(model, [context_id(step.inputs, size)], [step.label])
    total = math.fsum(parts) or 1.0
    lines = [Text("  where P(y) comes from, longest context first:", style="dim")]
    for order in range(len(parts) - 1, -1, -1):
        part = parts[order]
        share = part / total
        cells = round(share * SHARE_BAR)
        line = Text(f"    {order_label(order):<12}{part:10.6f} ")
        line.append("█" * cells + " " * (SHARE_BAR - cells), style="cyan")
        line.append(f" {percent(share):>4}")
        if part == 0 and order > 0:
            line.append("  never seen after this context", style="dim")
        lines.append(line)
    return lines


def percent(share: float, unit: str = "%") -> str:
    """A share as a whole percentage that never rounds a part that is there down to 0, nor
    the rest up to 100."""
    if share == 0:
        return "·"
    if share < 0.005:
        return f"<1{unit}"
    if 0.995 <= share < 1:
        return f">99{unit}"
    return f"{round(share * 100)}{unit}"
