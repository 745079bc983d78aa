"""What the Evaluate pane shows, as text and curves, from the core's results (no widgets here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from bigram_tui.core.display import order_name

from .sweep_plot import Curve

if TYPE_CHECKING:
    from bigram_tui.core.session import Grid, KSweep, LambdaSweep, OrderRow

# NG's grid (EurekaLabsAI/ngram's README): orders 3, 4, 5 × add-k 0.03, 0.1, 0.3, 1.
GRID_ORDERS = (3, 4, 5)
GRID_KS = (0.03, 0.1, 0.3, 1.0)
_CELL = 15  # a grid cell: its mark, train and dev NLL

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


def heading(sizes: tuple[int, int, int] | None, k: float, tuned: bool = False) -> str:
    fitted = "counts models fitted on train"
    if sizes is not None:
        train, dev, test = sizes
        fitted = f"fitted on train ({train:,} words); dev {dev:,}, test {test:,}"
    if tuned:
        return f"{fitted} · each order's own k (g)"
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


def winning_order(sweeps: dict[int, KSweep], orders: Sequence[int]) -> int | None:
    """The order of least dev NLL, each at its own best k, once every order's sweep is in
    (the first of equal minima, the smaller model)."""
    if any(order not in sweeps for order in orders):
        return None
    return min(orders, key=lambda order: sweeps[order].best_dev_nll)


def tuned_table(sweeps: dict[int, KSweep], orders: Sequence[int], current_order: int) -> Content:
    """Each order at its own best k (from its k sweep) with its dev and test NLL: the one
    k of the table flatters small orders, so this is where the orders are compared. The
    winner on dev is marked."""
    winner = winning_order(sweeps, orders)
    header = f"  {'order':<9}{'best k':>7}{'dev':>8}{'test':>8}"
    lines: list[tuple[str, str] | str] = [(header, "bold"), "\n"]
    for order in orders:
        sweep = sweeps.get(order)
        if sweep is None:
            cells = f"{'…':>7}"
        else:
            test = number(sweep.test_nll) if sweep.test_nll is not None else "—"
            cells = f"{short(sweep.best_k):>7}{number(sweep.best_dev_nll):>8}{test:>8}"
        current = order == current_order
        text = f"{'▸' if current else ' '} {order} {order_name(order):<7}{cells}"
        lines.append((text, "bold reverse") if current else text)
        if order == winner:
            lines.append(("  ◆ wins on dev", "bold $warning"))
        lines.append("\n")
    return Content.assemble(*lines[:-1])


def grid_content(grid: Grid | None, note: str = "") -> Content:
    """NG's table as a grid: train and dev NLL per order and k, the best cell on dev marked
    (◆), and its test NLL, measured once."""
    header = f"{'NG grid':<8}" + "".join(f"{'k ' + f'{k:g}':^{_CELL}}" for k in GRID_KS)
    lines: list[tuple[str, str] | str] = [(header, "bold"), "\n"]
    if grid is None:
        lines.append((note or "computing the grid on train and dev…", "$text-muted"))
        return Content.assemble(*lines)
    cells = {(cell.order, cell.value): cell for cell in grid.cells}
    for order in GRID_ORDERS:
        lines.append(f"{order_name(order):<8}")
        for k in GRID_KS:
            cell = cells[order, k]
            marked = cell == grid.best
            text = f"{'◆' if marked else ' '}{number(cell.train_nll)} {number(cell.dev_nll)} "
            lines.append((text, "bold reverse") if marked else text)
        lines.append("\n")
    best = grid.best
    lines.append(
        f"◆ best on dev: {order_name(best.order)}, k {best.value:g} · test "
        f"{number(grid.test_nll)} · each cell: train, dev"
    )
    return Content.assemble(*lines)


def summary_lines(
    order: int,
    k_sweep: KSweep | None,
    lambda_sweep: LambdaSweep | None,
    lambda_note: str,
    winner: int | None = None,
) -> list[str]:
    """Best k, best λ and the matching k, beside the table; and which order wins on dev,
    each at its own k."""
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
    if winner is not None:
        lines.append(f"{order_name(winner)} wins on dev (g)")
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


def partial_curve(
    lambdas: Sequence[float], dev_nll: Sequence[float], order: int, k_sweep: KSweep | None
) -> Curve:
    """The nets done so far, on the whole sweep's axis; the best so far marked."""
    done = len(dev_nll)
    best = min(range(done), key=dev_nll.__getitem__)
    reference = None
    if k_sweep is not None:
        reference = (k_sweep.best_dev_nll, f"best k: {number(k_sweep.best_dev_nll)}")
    return Curve(
        f"dev NLL by λ, {order_name(order)}: {done}/{len(lambdas)} nets",
        tuple(lambdas[:done]),
        tuple(dev_nll),
        (lambdas[best], dev_nll[best]),
        f"best so far λ {short(lambdas[best])}: {number(dev_nll[best])}",
        reference,
        (lambdas[0], lambdas[-1]),
    )


def lambda_plot(
    order: int,
    sweep: LambdaSweep | None,
    k_sweep: KSweep | None,
    sweeping: bool,
    partial: tuple[Sequence[float], Sequence[float]] | None = None,
) -> tuple[Curve | None, str]:
    if sweep is None:
        if sweeping and partial is not None:
            lambdas, dev_nll = partial
            if dev_nll:
                return partial_curve(lambdas, dev_nll, order, k_sweep), ""
            return None, f"dev NLL by λ, {order_name(order)}: 0/{len(lambdas)} nets…"
        action = "sweeping…" if sweeping else "press l to sweep"
        return None, f"dev NLL by λ, {order_name(order)}: {action}"
    return lambda_curve(sweep, order, k_sweep), ""
