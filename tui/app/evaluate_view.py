"""What the Evaluate pane shows, as text and curves, from the core's results (no widgets here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from bigram_tui.core.display import order_name

from .sweep_plot import Curve

if TYPE_CHECKING:
    from bigram_tui.core.session import KSweep, LambdaSweep, OrderRow

_NLL, _PPL = 7, 6  # column widths: the table and the summary beside it fit 80 columns


def number(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "inf"


def short(value: float) -> str:
    """A hyperparameter in 3 significant digits: 0.144, 0.00695, 12.7."""
    return f"{value:.3g}"


def duration(seconds: float) -> str:
    """12 s, 3 min 20 s: how long a sweep has run or has left."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60} s"


def heading(sizes: tuple[int, int, int] | None, k: float) -> str:
    fitted = "counts models fitted on train"
    if sizes is not None:
        train, dev, test = sizes
        fitted = f"fitted on train ({train:,} words); dev {dev:,}, test {test:,}"
    return f"{fitted} · k = {k:g} (+/−)"


def table_content(rows: Sequence[OrderRow], current_order: int) -> Content:
    """Mean NLL and perplexity of train, dev and test per order; the current order stands out."""
    header = f"  {'order':<9}" + "".join(
        f"{part:>{_NLL}}{'ppl':>{_PPL}}" for part in ("train", "dev", "test")
    )
    lines: list[tuple[str, str] | str] = [(header, "bold"), "\n"]
    for row in rows:
        cells = "".join(
            f"{number(part.mean_nll):>{_NLL}}{number(part.perplexity, 2):>{_PPL}}"
            for part in row.parts
        )
        current = row.order == current_order
        text = f"{'▸' if current else ' '} {row.order} {order_name(row.order):<7}{cells}"
        lines.append((text, "bold reverse") if current else text)
        lines.append("\n")
    return Content.assemble(*lines[:-1])


def inf_lines(rows: Sequence[OrderRow], current_order: int) -> list[str]:
    """Why cells are inf: in full for the current order, in one line for the others."""
    lines = []
    for row in rows:
        if row.order != current_order:
            continue
        for part in row.parts:
            reason = part.inf_reason()
            if reason is not None:
                lines.append(f"{part.part} inf: {reason}")
    others = [
        str(row.order)
        for row in rows
        if row.order != current_order and any(p.score.infinite for p in row.parts)
    ]
    if not lines and not others:
        return []
    which = "order" if len(others) == 1 else "orders"
    also = ""
    if others:
        verb = "is" if len(others) == 1 else "are"
        also = (
            f"{which.capitalize()} {', '.join(others)} {verb} inf {'too' if lines else ''}".rstrip()
        )
        also += ". "
    lines.append(f"{also}At k = 0 an unseen n-gram has P = 0: press + for k > 0")
    return lines


def _scores(dev: float, test: float | None) -> str:
    return f" dev {number(dev)}  test {number(test) if test is not None else '—'}"


def summary_lines(
    order: int, k_sweep: KSweep | None, lambda_sweep: LambdaSweep | None, lambda_note: str
) -> list[str]:
    """Best k, best λ and the matching k, beside the table."""
    lines = [f"tuned on dev, order {order}"]
    if k_sweep is None:
        lines += ["best k …", ""]
    else:
        lines += [
            f"best k {short(k_sweep.best_k)}",
            _scores(k_sweep.best_dev_nll, k_sweep.test_nll),
        ]
    if lambda_sweep is None:
        lines += [f"best λ: {lambda_note}", "", ""]
    else:
        lines += [
            f"best λ {short(lambda_sweep.best_lambda)}",
            _scores(lambda_sweep.best_dev_nll, lambda_sweep.test_nll),
            # The lecture's "λ acts like fake counts", measured: not λ = k.
            f"k {short(lambda_sweep.nearest_k)} scores as this λ",
        ]
    return lines


def k_curve(sweep: KSweep, order: int) -> Curve:
    """Dev NLL over k > 0; k = 0 goes in the title, since log 0 has no place on the axis."""
    pairs = [(k, nll) for k, nll in zip(sweep.ks, sweep.dev_nll) if k > 0]
    at_zero = [nll for k, nll in zip(sweep.ks, sweep.dev_nll) if k == 0]
    zero_note = f"; k=0: {number(at_zero[0])}" if at_zero else ""
    best = (sweep.best_k, sweep.best_dev_nll) if sweep.best_k > 0 else None
    label = f"best k {short(sweep.best_k)}: {number(sweep.best_dev_nll)}"
    return Curve(
        f"dev NLL by k, {order_name(order)}{zero_note}",
        tuple(k for k, _ in pairs),
        tuple(nll for _, nll in pairs),
        best,
        label,
    )


def lambda_curve(sweep: LambdaSweep, order: int, k_sweep: KSweep | None) -> Curve:
    reference = None
    if k_sweep is not None:
        reference = (k_sweep.best_dev_nll, f"best k: {number(k_sweep.best_dev_nll)}")
    return Curve(
        f"dev NLL by λ, {order_name(order)} ({sweep.kind} net)",
        sweep.lambdas,
        sweep.dev_nll,
        (sweep.best_lambda, sweep.best_dev_nll),
        f"best λ {short(sweep.best_lambda)}: {number(sweep.best_dev_nll)}",
        reference,
    )


def k_plot(order: int, sweep: KSweep | None) -> tuple[Curve | None, str]:
    """What the k plot shows: the curve, or the title of its empty axes."""
    if sweep is None:
        return None, f"dev NLL by k, {order_name(order)}: sweeping…"
    return k_curve(sweep, order), ""


def lambda_plot(
    order: int, sweep: LambdaSweep | None, k_sweep: KSweep | None, sweeping: bool
) -> tuple[Curve | None, str]:
    if sweep is None:
        action = "sweeping…" if sweeping else "press l to sweep"
        return None, f"dev NLL by λ, {order_name(order)}: {action}"
    return lambda_curve(sweep, order, k_sweep), ""
