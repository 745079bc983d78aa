"""What the Sample tab shows of a draw, as text: the name so far, the row's title, and how
the random numbers picked the winner (the classic sampler's u, or torch's race)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from .prob_bars import CHOSEN, CHOSEN_LABEL, MUTED, display_char

if TYPE_CHECKING:
    from bigram_tui.core.session import Draw, SampledName

Parts = list[tuple[str, str] | str]

RACE_NOTE = "q = −log(1−u) ~ Exp(1); winner = argmax p/q"
CLASSIC_PROMPT = "classic: one uniform u, placed on this bar"
RACE_PROMPT = "torch: one u per character; the largest p/q wins\n"


def format_p(p: float) -> str:
    """p to 4 decimals, without passing a possible character off as 0.0000."""
    if 0 < p < 0.00005:
        return f"{p:.1e}"
    return f"{p:.4f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def shaping_label(temperature: float, top_k: int | None) -> str:
    """The draw's temperature and top-k as the status line shows them."""
    kept = "no top-k" if top_k is None else f"top-k {top_k}"
    return f"T = {temperature:g} · {kept}"


def header_line(
    model: str,
    algorithm: str,
    seed: int,
    auto: str | None,
    shaping: str = shaping_label(1.0, None),
    width: int = 1_000,
) -> Content:
    """The pane's status line in one line of `width`; `auto` is the auto rate (e.g. "10/s")
    while it runs. Narrow, the words before the values go first, then the seed: a line that
    wrapped pushed the whole pane down a row at every T or top-k key."""
    auto_part = (f"  ▶ auto {auto}", CHOSEN) if auto else ""
    labelled = Content.assemble(
        ("model ", MUTED),
        (model, "bold"),
        ("  sampler ", MUTED),
        (algorithm, "bold"),
        ("  seed ", MUTED),
        (str(seed), "bold"),
        ("  ", MUTED),
        (shaping, "bold"),
        auto_part,
    )
    compact = Content.assemble(
        (model, "bold"),
        (" · ", MUTED),
        (algorithm, "bold"),
        (" · seed ", MUTED),
        (str(seed), "bold"),
        (" · ", MUTED),
        (shaping, "bold"),
        auto_part,
    )
    least = Content.assemble((model, "bold"), (" · ", MUTED), (shaping, "bold"), auto_part)
    for line in (labelled, compact):
        if line.cell_length <= width:
            return line
    return least


def name_line(so_far: list[str], draw: Draw | None, finished: SampledName | None) -> Content:
    parts: Parts = [("name ", MUTED)]
    if draw is None and so_far:  # the next draw's row is shown, the name carries on
        parts += ["".join(so_far), ("  press space to draw the next character", MUTED)]
    elif draw is None:
        parts.append(("press space (or n) to draw the first character", MUTED))
    elif finished is not None:
        name = finished.text
        parts += [name, (".", CHOSEN_LABEL), ("  finished: ", MUTED), (repr(name), "bold")]
        if finished.cut:
            parts.append(("  cut at the maximum length", "$warning"))
    else:
        parts += ["".join(so_far[:-1]), (so_far[-1], CHOSEN_LABEL)]
    return Content.assemble(*parts)


def context_text(itos: tuple[str, ...], context: tuple[int, ...]) -> str:
    """The context tokens as one quoted string, '.' for the boundary."""
    return repr("".join(display_char(itos[i]) for i in context))


def row_title(
    itos: tuple[str, ...],
    context: tuple[int, ...],
    probs: list[float],
    chosen: int | None,
    note: str | None = None,
    original: list[float] | None = None,
) -> Content:
    """The row's title; `note` says which distribution it is (drawn with T, top-k…), and
    `original` the model's own, drawn faintly beside."""
    given = [(" | ", MUTED), (context_text(itos, context), "bold")] if context else []
    title: Parts = [("P(next", MUTED), *given, (")", MUTED)]
    if note is not None:
        title += [("  ", MUTED), (note, "bold")]
    title += [("  tallest bar p = ", MUTED), format_p(max(probs))]
    if original is not None:
        title += [(", the model's ", MUTED), format_p(max(original)), (" (faint)", MUTED)]
    if chosen is not None:
        title += [("  drew ", MUTED), (repr(display_char(itos[chosen])), CHOSEN)]
    return Content.assemble(*title)


def u_line(draw: Draw, itos: tuple[str, ...]) -> Content:
    """Where the classic sampler's u fell on the cumulative bar."""
    probs = draw.probs.tolist()
    u = float(draw.uniforms[0])
    assert draw.cumulative is not None
    high = float(draw.cumulative[draw.chosen])
    low = high - probs[draw.chosen]
    chosen = repr(display_char(itos[draw.chosen]))
    if low < u <= high:
        # searchsorted: the first character whose cumulative p reaches u.
        text = f"u = {u:.6f} falls in ({low:.4f}, {high:.4f}] → "
    else:
        text = f"u = {u:.6f} is past the rounded total {high:.4f} → last possible "
    return Content.assemble(text, (chosen, CHOSEN_LABEL))


def race_table(draw: Draw | None, itos: tuple[str, ...], rows: int) -> Content:
    """torch's exponential race: the `rows` leaders by p/q, and where the winner ranked by p."""
    if draw is None or draw.race is None:
        return Content.assemble((RACE_PROMPT, MUTED), (RACE_NOTE, MUTED))
    probs = draw.probs.tolist()
    uniforms = draw.uniforms.tolist()
    q = draw.race.tolist()
    ratio = [p / qi for p, qi in zip(probs, q)]
    leaders = sorted(range(len(probs)), key=lambda i: -ratio[i])[:rows]
    rank_by_p = sorted(range(len(probs)), key=lambda i: -probs[i]).index(draw.chosen) + 1
    parts: Parts = [(f"{'char':<5}{'p':>8}{'u':>10}{'q':>9}{'p/q':>11}\n", "bold")]
    for i in leaders:
        row = (
            f"{display_char(itos[i])!r:<5}{format_p(probs[i]):>8}{uniforms[i]:>10.6f}"
            f"{q[i]:>9.4f}{ratio[i]:>11.4f}"
        )
        won = i == draw.chosen
        parts.append((row, CHOSEN_LABEL if won else ""))
        parts.append(("  ← winner\n", CHOSEN) if won else "\n")
    parts.append((f"{RACE_NOTE}\n", MUTED))
    winner = repr(display_char(itos[draw.chosen]))
    parts.append((f"{winner} was the {ordinal(rank_by_p)} most likely by p", MUTED))
    return Content.assemble(*parts)
