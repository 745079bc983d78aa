"""Rendering the CLI's results as plain text for people or strict JSON for programs.

Each command builds one report of plain data (str, int, float, bool, None, lists and
dicts); this module only formats it, so text and JSON always carry the same numbers.

Infinities in JSON: strict JSON has no infinity, and a bigram the data never shows has
log-probability -inf (so a word containing it has NLL inf). Such values are written as
the strings "-inf" and "inf", which Python's float() reads back; every finite value is a
JSON number at full precision. Text shows 4 decimals, and -inf/inf as such.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bigram_tui.core.dataset import dataset_label
from bigram_tui.core.display import abbreviated, shown_path

if TYPE_CHECKING:  # only for annotations: this module must not import torch
    from bigram_tui.core.counts import BigramCounts
    from bigram_tui.core.ngram_sampling import NgramDraw
    from bigram_tui.core.sampling import Draw, SampledName
    from bigram_tui.core.scoring import DatasetScore, WordScore

JSON_INFINITY_NOTE = (
    "With --json, output is strict JSON: an infinite value (the log-probability of a bigram "
    'the data never shows, and the NLL of a word containing one) is the string "-inf" or '
    '"inf"; every other number is a JSON number at full precision.'
)
CUT_MARK = "…"  # ends a name that --max-length stopped before it drew '.'

Report = Mapping[str, Any]


def json_safe(value: Any) -> Any:
    """`value` with every infinite float replaced by "inf" or "-inf", and -0.0 by 0.0."""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value + 0.0  # -0.0 + 0.0 is 0.0: a word of certain bigrams has NLL 0, not -0
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def render_json(report: Any) -> str:
    # allow_nan=False: a NaN would be a bug, and must fail loudly rather than print NaN.
    return json.dumps(json_safe(report), allow_nan=False, indent=2)


def unsigned_zero(text: str) -> str:
    """A formatted number without the sign of a zero: "-0.0000" (from -0.0 or -1e-9) → "0.0000"."""
    return text[1:] if text.startswith("-") and not text.strip("-0.e+") else text


def _number(value: float, places: int = 4) -> str:
    return unsigned_zero(f"{value:.{places}f}")  # "-inf" and "inf" come out as such


def _short(value: float) -> str:
    return unsigned_zero(f"{value:g}")


def describe_model(model: Report) -> str:
    kind = model["kind"]
    if kind == "counts":
        return f"counts, smoothing k={_short(model['smoothing'])}"
    if kind == "neural":
        origin = f"loaded from {shown_path(model['file'])}, " if model.get("file") else ""
        return (
            f"neural net, {origin}{model['epochs']} epochs, lr {_short(model['lr'])}, "
            f"reg {_short(model['reg'])}, seed {model['seed']}"
        )
    return str(kind)


def _aligned(rows: Sequence[tuple[str, str]], indent: str = "") -> list[str]:
    width = max(len(label) for label, _ in rows)
    return [f"{indent}{label:<{width}}  {value}" for label, value in rows]


# --- stats ----------------------------------------------------------------------------


def stats_report(
    path: Path,
    counts: BigramCounts,
    smoothing: float,
    score: DatasetScore,
    top: list[tuple[str, str, int]],
) -> dict[str, Any]:
    return {
        "data": dataset_label(path),
        "words": counts.words,
        "bigrams": counts.total,
        "vocabulary": {"size": counts.vocab.size, "characters": list(counts.vocab.chars)},
        "boundary": ".",
        "min_length": counts.min_length,
        "max_length": counts.max_length,
        "smoothing": smoothing,
        "log_likelihood": score.log_likelihood,
        "nll": score.nll,
        "mean_nll": score.mean_nll,
        "top_bigrams": [{"first": a, "second": b, "count": n} for a, b, n in top],
    }


def stats_lines(report: Report) -> list[str]:
    vocabulary = report["vocabulary"]
    chars = "".join(vocabulary["characters"])
    rows = [
        ("data", shown_path(report["data"])),
        ("words", str(report["words"])),
        ("bigrams", str(report["bigrams"])),
        ("vocabulary", f"{vocabulary['size']} tokens: '.' and {abbreviated(chars)!r}"),
        ("word length", f"{report['min_length']} to {report['max_length']} characters"),
        ("smoothing k", _short(report["smoothing"])),
        ("log-likelihood", _number(report["log_likelihood"])),
        ("NLL", _number(report["nll"])),
        ("mean NLL", _number(report["mean_nll"])),
    ]
    top = report["top_bigrams"]
    lines = _aligned(rows)
    lines.append(f"top {len(top)} bigrams ('.' marks the start or end of a word):")
    rank_width = len(str(len(top)))
    count_width = max((len(str(b["count"])) for b in top), default=1)
    for rank, bigram in enumerate(top, start=1):
        pair = bigram["first"] + bigram["second"]
        lines.append(f"  {rank:>{rank_width}}  {pair}  {bigram['count']:>{count_width}}")
    return lines


# --- score ----------------------------------------------------------------------------


def _word_report(score: WordScore) -> dict[str, Any]:
    return {
        "word": score.word,
        "bigrams": [
            {"first": b.first, "second": b.second, "prob": b.prob, "log_prob": b.log_prob}
            for b in score.bigrams
        ],
        "log_likelihood": score.log_likelihood,
        "nll": score.nll,
        "mean_nll": score.mean_nll,
    }


def score_report(model: dict[str, Any], scores: Sequence[WordScore]) -> dict[str, Any]:
    """Each word's scores, and the total over all of them (as the lecture sums a list)."""
    log_likelihood = math.fsum(score.log_likelihood for score in scores)
    bigrams = sum(len(score.bigrams) for score in scores)
    total = {
        "bigrams": bigrams,
        "log_likelihood": log_likelihood,
        "nll": -log_likelihood,
        "mean_nll": -log_likelihood / bigrams,
    }
    return {"model": model, "words": [_word_report(s) for s in scores], "total": total}


def _word_lines(word: Report) -> list[str]:
    lines = [f"{word['word']}"]
    label_width = max(len("bigram"), *(len(b["first"] + b["second"]) for b in word["bigrams"]))
    lines.append(f"  {'bigram':<{label_width}}  {'prob':>7}  {'log-prob':>9}")
    for bigram in word["bigrams"]:
        pair = bigram["first"] + bigram["second"]
        prob, log_prob = _number(bigram["prob"]), _number(bigram["log_prob"])
        lines.append(f"  {pair:<{label_width}}  {prob:>7}  {log_prob:>9}")
    lines += _summary_lines(word, len(word["bigrams"]))
    return lines


def _summary_lines(scores: Report, bigrams: int) -> list[str]:
    rows = [
        ("log-likelihood", _number(scores["log_likelihood"])),
        ("NLL", _number(scores["nll"])),
        ("mean NLL", f"{_number(scores['mean_nll'])}  (over {bigrams} bigrams)"),
    ]
    return _aligned(rows, indent="  ")


def score_lines(report: Report) -> list[str]:
    lines = [f"model: {describe_model(report['model'])}"]
    for word in report["words"]:
        lines += ["", *_word_lines(word)]
    if len(report["words"]) > 1:
        total = report["total"]
        lines += ["", f"all {len(report['words'])} words"]
        lines += _summary_lines(total, total["bigrams"])
    return lines


# --- sample ---------------------------------------------------------------------------


def name_record(name: SampledName, draws: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name.text, "cut": name.cut}
    if draws is not None:
        record["draws"] = draws
    return record


def draw_record(draw: Draw | NgramDraw, itos: Sequence[str]) -> dict[str, Any]:
    """What decided one draw: classic places u in an interval of the CDF; torch races."""
    chosen = draw.chosen
    p = float(draw.probs[chosen])
    context = draw.context  # a bigram's one token, or the n−1 tokens of an n-gram
    shown = itos[context] if isinstance(context, int) else "".join(itos[i] for i in context)
    record: dict[str, Any] = {"context": shown, "chosen": itos[chosen], "p": p}
    if draw.cumulative is not None:
        # The first index whose cumulative sum reaches u wins: u lies in (low, high].
        high = float(draw.cumulative[chosen])
        low = float(draw.cumulative[chosen - 1]) if chosen > 0 else 0.0
        record |= {"u": float(draw.uniforms[0]), "interval": [low, high]}
    elif draw.race is not None:
        q = float(draw.race[chosen])  # the winner maximised p / q
        ratio = p / q if q > 0 else math.inf
        record |= {"uniforms": draw.uniforms.tolist(), "u": float(draw.uniforms[chosen]),
                   "q": q, "ratio": ratio}  # fmt: skip
    return record


def name_line(name: Report) -> str:
    return name["name"] + (CUT_MARK if name["cut"] else "")


def _draw_line(draw: Report) -> str:
    move = f"{draw['context']} -> {draw['chosen']}"
    if "interval" in draw:
        low, high = draw["interval"]
        randomness = f"u={draw['u']:.6f} in ({low:.6f}, {high:.6f}]"
    else:
        randomness = (
            f"u={draw['u']:.6f} q={draw['q']:.6f} p/q={draw['ratio']:.6f} "
            f"(the largest p/q of {len(draw['uniforms'])})"
        )
    return f"    {move}  p={draw['p']:.6f}  {randomness}"


def sample_lines(report: Report) -> list[str]:
    """One name per line; with a trace, each name is followed by its draws."""
    traced = report["trace"]
    lines = []
    for number, name in enumerate(report["names"], start=1):
        if not traced:
            lines.append(name_line(name))
            continue
        lines.append(f"{number}: {name_line(name)}")
        lines += [_draw_line(draw) for draw in name["draws"]]
    return lines


# --- train ----------------------------------------------------------------------------


def epoch_line(epoch: int, loss: float, epoch_width: int) -> str:
    return f"epoch {epoch:>{epoch_width}}  loss {loss:.6f}"


def train_summary_lines(summary: Report) -> list[str]:
    settings = f"lr {_short(summary['lr'])}, reg {_short(summary['reg'])}, seed {summary['seed']}"
    lines = [f"trained {summary['epochs']} epochs ({settings})"]
    if summary["last_loss"] is not None:
        lines.append(f"  loss at epoch {summary['epochs'] - 1}: {summary['last_loss']:.6f}")
    lines.append(f"  loss of the final weights: {summary['final_loss']:.6f}")
    if summary["saved_to"] is not None:
        lines.append(f"  saved to {shown_path(summary['saved_to'])}")
    return lines
