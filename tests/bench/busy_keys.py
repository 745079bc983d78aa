"""Keys while a sweep runs (issue 20, goal 5), in the keys figure's own launch of the app.

From the Train pane, paused, after the idle and training blocks:
  5 o          the Evaluate pane at order 3; `l` starts a λ sweep there, and `o` during it is
               the first order switch timed (until the top bar names the new order)
  order 4      `l` (again whenever the sweep ends), and the key cycle 1 l h 5: the Counts
               pane, its cursor, back to Evaluate. A cycle counts when the sweep ran at its
               start and still ran at its end (the footer offers "Cancel sweep")
  o            during the order-4 sweep: the second order switch, to 5; `l`, `o` to 6: the third
  order 6      the same cycle during a λ sweep at order 6. The app runs no Kneser–Ney sweep,
               and its k sweep (run once per order, when the order is first shown) takes a
               few hundred ms: too short to hold a key cycle, so the λ sweep stands in for it.
Each state gets a block of the bare app's keys just before it, for the same-run reference.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .pty_terminal import PtyTerminal
from .results import log

EVALUATE_MARKER = "fitted on train"  # the Evaluate pane's heading
SWEEPING = "Cancel sweep"  # in the footer while a λ sweep runs (c), on the Evaluate pane
ORDER_NAMES = {3: "trigram", 4: "4-gram", 5: "5-gram", 6: "6-gram"}
SWITCH_TIMEOUT = 5.0


class Unmeasurable(Exception):
    """As app_figures.Unmeasurable (re-raised there): what a state needs is not on screen."""


@dataclass
class SweepKeys:
    """What the sweep states measured; a missing state has its reason in `missing`."""

    by_state: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # cycles the sweep did not span
    restarts: dict[str, int] = field(default_factory=dict)
    switches: list[tuple[str, float]] = field(default_factory=list)  # ("3→4", seconds)
    missing: dict[str, str] = field(default_factory=dict)


def top_line(term: PtyTerminal) -> str:
    lines = term.text().splitlines()
    return lines[0] if lines else ""


def _app_error(term: PtyTerminal) -> str | None:
    """The app's one-line crash message, or that it ended, if it did (waited for a moment)."""
    term.drain(2.0)
    raw = bytes(term.raw).decode("utf-8", "replace")
    if "internal error" in raw:
        start = raw.rfind("bigram-tui: internal error")
        found = re.match(r"[^\r\n\x1b]*", raw[start:]) if start >= 0 else None
        return found[0][:160] if found else "the app printed an internal error"
    if term.closed:
        return "the app ended"
    return None


def go_to_order(term: PtyTerminal, order: int) -> float:
    """Press o; how long until the top bar names `order`."""
    name = ORDER_NAMES[order]
    pressed = term.press("o")
    shown = term.wait_until(lambda: name in top_line(term), SWITCH_TIMEOUT)
    if shown is None:
        error = _app_error(term)
        raise Unmeasurable(
            f"o did not show {name!r} in the top bar within {SWITCH_TIMEOUT:g} s"
            + (f" ({error})" if error else "")
        )
    return shown - pressed


def ensure_sweep(term: PtyTerminal) -> bool:
    """On the Evaluate pane: a λ sweep runs (l if none); True if it had to be started."""
    if SWEEPING in term.text():
        return False
    term.press("l")
    if term.wait_for_text(SWEEPING, 10.0) is None:
        error = _app_error(term)
        why = f" ({error})" if error else ""
        raise Unmeasurable(f"l on the Evaluate pane started no λ sweep{why}")
    return True


def sweep_state(
    term: PtyTerminal,
    bare_block: Callable[[], None],
    cycle: Callable[[], dict[str, list[float]]],
    state: str,
    keep: int,
    budget: float,
    result: SweepKeys,
) -> None:
    """`keep` key cycles, each spanned by a λ sweep, within `budget` seconds."""
    bare_block()
    kept: dict[str, list[float]] = {}
    dropped = restarts = cycles = 0
    deadline = time.perf_counter() + budget
    while cycles < keep and time.perf_counter() < deadline:
        restarts += ensure_sweep(term)
        term.drain(0.2)
        latencies = cycle()  # ends back on the Evaluate pane
        term.drain(0.05)
        if SWEEPING in term.text():
            cycles += 1
            for key, values in latencies.items():
                kept.setdefault(key, []).extend(values)
        else:
            dropped += 1
    result.by_state[state] = kept
    result.dropped[state] = dropped
    result.restarts[state] = restarts
    log(f"  {state}: {cycles} cycles kept, {dropped} dropped, {restarts} sweeps started")


def measure_sweeps(
    term: PtyTerminal,
    bare_block: Callable[[], None],
    cycle: Callable[[], dict[str, list[float]]],
    quick: bool,
) -> SweepKeys:
    """From the Train pane, paused, at order 2: the sweep states and the order switches."""
    result = SweepKeys()
    keep, budget = (2, 25.0) if quick else (5, 60.0)
    term.press("5")
    if term.wait_for_text(EVALUATE_MARKER, 10.0) is None:
        raise Unmeasurable(f"the Evaluate pane (key 5) shows no {EVALUATE_MARKER!r}")
    term.drain(1.0)
    go_to_order(term, 3)
    term.drain(1.0)
    # The first switch: during a λ sweep at order 3.
    ensure_sweep(term)
    term.drain(0.5)
    result.switches.append(("3→4", go_to_order(term, 4)))
    term.drain(1.0)
    sweep_state(term, bare_block, cycle, "λ sweep, order 4", keep, budget, result)
    ensure_sweep(term)
    term.drain(0.5)
    result.switches.append(("4→5", go_to_order(term, 5)))
    term.drain(1.0)
    try:
        ensure_sweep(term)
        term.drain(0.5)
        result.switches.append(("5→6", go_to_order(term, 6)))
        term.drain(1.0)
        sweep_state(term, bare_block, cycle, "λ sweep, order 6", keep, budget, result)
    except Unmeasurable as reason:
        result.missing["λ sweep, order 6"] = str(reason)
    return result
