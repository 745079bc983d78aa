"""Rendering the CLI's reports as plain text for people or strict JSON for programs.

Each command builds one report of plain data (str, int, float, bool, None, lists and
dicts), with the same keys at every order; this module only formats it, so text and JSON
always carry the same numbers.

Text has two layouts of the same report. The lecture's, at order 2 on all the words (and,
for sampling, with nothing reshaped), prints what the notebook prints, byte for byte: pairs
such as `jq`, counts without separators. Any other order or a split gets the n-gram
layout: `context -> next` rows with the reason of each −inf, a table of the parts,
perplexities, and where each sampled name comes from. `is_lecture` is the one rule.

Infinities in JSON: strict JSON has no infinity, and an n-gram the data never shows has
log-probability -inf (so a word containing it has NLL inf). Such values are written as
the strings "-inf" and "inf", which Python's float() reads back; every finite value is a
JSON number at full precision. Text shows 4 decimals, and -inf/inf as such.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from bigram_tui.core.display import abbreviated, order_name, shown_path

JSON_INFINITY_NOTE = (
    "With --json, output is strict JSON: an infinite value (the log-probability of an n-gram "
    'the data never shows, and the NLL of a word containing one) is the string "-inf" or '
    '"inf"; every other number is a JSON number at full precision.'
)
CUT_MARK = "…"  # ends a name that --max-length stopped before it drew '.'

Report = Mapping[str, Any]


# --- JSON -------------------------------------------------------------------------------


def json_safe(value: Any) -> Any:
    """`value` with every infinite float replaced by "inf" or "-inf", and -0.0 by 0.0."""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value + 0.0  # -0.0 + 0.0 is 0.0: a word of certain n-grams has NLL 0, not -0
    if isinstance(value, Mapping):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def render_json(report: Any) -> str:
    # allow_nan=False: a NaN would be a bug, and must fail loudly rather than print NaN.
    return json.dumps(json_safe(report), allow_nan=False, indent=2)


# --- shared pieces of text ----------------------------------------------------------------


def is_lecture(
    order: int, split: Report | None, net: str | None = None, stream: bool = False
) -> bool:
    """The lecture's layout: the bigram on all the words, each padded (and its one net,
    the table)."""
    return order == 2 and split is None and net in (None, "table") and not stream


def unsigned_zero(text: str) -> str:
    """A formatted number without the sign of a zero: "-0.0000" (from -0.0 or -1e-9) → "0.0000"."""
    return text[1:] if text.startswith("-") and not text.strip("-0.e+") else text


def _number(value: float, places: int = 4) -> str:
    return unsigned_zero(f"{value:.{places}f}")  # "-inf" and "inf" come out as such


def _short(value: float) -> str:
    return unsigned_zero(f"{value:g}")


def _int(value: int) -> str:
    return f"{value:,}"


def _aligned(rows: Sequence[tuple[str, str]], indent: str = "") -> list[str]:
    width = max(len(label) for label, _ in rows)
    return [f"{indent}{label:<{width}}  {value}" for label, value in rows]


def _table(
    header: tuple[str, ...], rows: Sequence[tuple[str, ...]], text_last: bool = False
) -> list[str]:
    """Numbers right-aligned; the first column (and the last, if `text_last`) left-aligned."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    left = {0, len(header) - 1} if text_last else {0}
    lines = []
    for row in (header, *rows):
        cells = [
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def describe_split(split: Report | None) -> str:
    if split is None:
        return "none: every word is training data"
    if split.get("files"):
        files = split["files"]
        return "the files " + ", ".join(shown_path(files[p]) for p in ("train", "dev", "test"))
    return f"{split['percentages']} of the words, shuffled with seed {split['seed']}"


def describe_model(model: Report) -> str:
    """The model line: the lecture's words, plus the net, order and data beyond it."""
    kind = model["kind"]
    if kind == "counts":
        described = f"counts, smoothing k={_short(model['smoothing'])}"
    elif kind == "kn":
        described = describe_kn(model)
    elif kind == "neural":
        origin = f"loaded from {shown_path(model['file'])}, " if model.get("file") else ""
        described = (
            f"neural net, {origin}{model['epochs']} epochs, lr {_short(model['lr'])}, "
            f"reg {_short(model['reg'])}, seed {model['seed']}"
        )
    else:
        described = str(kind)
    if is_lecture(model["order"], model["split"], model.get("net"), model.get("stream", False)):
        return described
    if kind == "neural":
        described = described.replace("neural net", f"neural {model['net']} net", 1)
        described += f", {_int(model['parameters'])} parameters"
    if kind == "uniform":  # fitted on nothing
        return f"{described}; {order_name(model['order'])}"
    fitted = "all the words" if model["split"] is None else "train"
    stream = ", as NG's stream" if model.get("stream") else ""
    return f"{described}; {order_name(model['order'])}, fitted on {fitted}{stream}"


def describe_kn(smoothed: Report) -> str:
    """ "Kneser-Ney, discount D=0.85 (chosen on dev)"."""
    chosen = " (chosen on dev)" if smoothed.get("discount_chosen_on_dev") else ""
    return f"Kneser-Ney, discount D={_short(smoothed['discount'])}{chosen}"


# --- stats ----------------------------------------------------------------------------


def stats_lines(report: Report) -> list[str]:
    addk = report.get("smoothing_method", "addk") == "addk"
    if addk and is_lecture(report["order"], report["split"], stream=report.get("stream", False)):
        return _lecture_stats_lines(report)
    return _ngram_stats_lines(report)


def _vocabulary(report: Report) -> str:
    vocabulary = report["vocabulary"]
    chars = "".join(vocabulary["characters"])
    return f"{vocabulary['size']} tokens: '.' and {abbreviated(chars)!r}"


def _top_lines(top: Sequence[Report], count: Any) -> list[str]:
    rank_width = len(str(len(top)))
    count_width = max((len(count(n["count"])) for n in top), default=1)
    return [
        f"  {rank:>{rank_width}}  {ngram['ngram']}  {count(ngram['count']):>{count_width}}"
        for rank, ngram in enumerate(top, start=1)
    ]


def _lecture_stats_lines(report: Report) -> list[str]:
    (whole,) = report["parts"]
    rows = [
        ("data", shown_path(report["data"])),
        ("words", str(report["words"])),
        ("bigrams", str(report["examples"])),
        ("vocabulary", _vocabulary(report)),
        ("word length", f"{report['min_length']} to {report['max_length']} characters"),
        ("smoothing k", _short(report["smoothing"])),
        ("log-likelihood", _number(whole["log_likelihood"])),
        ("NLL", _number(whole["nll"])),
        ("mean NLL", _number(whole["mean_nll"])),
    ]
    notebook = report.get("notebook_log_likelihood")
    if notebook is not None:
        mean = _number(-notebook / whole["examples"])
        summed = unsigned_zero(f"{notebook:.2f}")
        rows.append(("notebook", f"{summed}, mean NLL {mean}: In[16] sums in float32"))
    top = report["top_ngrams"]
    lines = _aligned(rows)
    lines.append(f"top {len(top)} bigrams ('.' marks the start or end of a word):")
    return lines + _top_lines(top, str)


def _reasons(never_seen: Report) -> str:
    return ", ".join(f"{count:,} {reason}" for reason, count in never_seen.items())


def _ngram_stats_lines(report: Report) -> list[str]:
    order = report["order"]
    context = "no context" if order == 1 else f"the previous {order - 1} tokens"
    stream = report.get("stream", False)
    per = (
        "one per character after the first N-1 of the stream"
        if stream
        else "len(word)+1 per word, at every order"
    )
    rows = [
        ("data", shown_path(report["data"])),
        ("words", _int(report["words"])),
        ("examples", f"{_int(report['examples'])} ({per})"),
        ("distinct", f"{_int(report['distinct_ngrams'])} {order_name(order)}s"),
        ("vocabulary", _vocabulary(report)),
        ("word length", f"{report['min_length']} to {report['max_length']} characters"),
        ("order", f"{order}, the {order_name(order)}: context is {context}"),
        _smoothing_row(report),
        ("split", describe_split(report["split"])),
    ]
    if stream:
        rows.append(("convention", STREAM_NOTE))
    lines = _aligned(rows)
    lines += ["", *_parts_table(report["parts"])]
    fitted = "the training counts" if report["split"] else "the counts"
    for part in report["parts"]:
        if part["never_seen"]:
            lines.append(
                f"{part['part']} is inf: {_int(sum(part['never_seen'].values()))} of its "
                f"{_int(part['examples'])} n-grams have probability 0 under {fitted} "
                f"({_reasons(part['never_seen'])}); --smoothing k > 0 gives them some"
            )
    lines += [part["unseen"]["described"] for part in report["parts"] if _has_unseen(part)]
    top = report["top_ngrams"]
    lines.append("")
    marks = "'.' is the newline" if stream else "'.' pads the start and marks the end"
    of = (
        "the training file" if report["split"] and report["split"].get("files") else "all the words"
    )
    lines.append(f"top {len(top)} {order_name(order)}s of {of} ({marks}):")
    return lines + _top_lines(top, _int)


STREAM_NOTE = "NG's stream: each file one stream, the newline '.', nothing padded"


def _smoothing_row(report: Report) -> tuple[str, str]:
    if report.get("smoothing_method") == "kn":
        return ("smoothing", describe_kn(report))
    return ("smoothing k", _short(report["smoothing"]))


def _has_unseen(part: Report) -> bool:
    return part["unseen"] is not None and part["unseen"]["examples"] > 0


def _parts_table(parts: Sequence[Report]) -> list[str]:
    header = ("part", "words", "examples", "mean NLL", "perplexity")
    rows = [
        (
            part["part"],
            _int(part["words"]),
            _int(part["examples"]),
            _number(part["mean_nll"]),
            _number(part["perplexity"]),
        )
        for part in parts
    ]
    return _table(header, rows)


# --- score ----------------------------------------------------------------------------


def score_lines(report: Report) -> list[str]:
    model = report["model"]
    lecture = is_lecture(
        model["order"], model["split"], model.get("net"), model.get("stream", False)
    )
    lines = [f"model: {describe_model(model)}"]
    word_lines = _lecture_word_lines if lecture else _ngram_word_lines
    for word in report["words"]:
        lines += ["", word["word"], *word_lines(word)]
        lines += _summary_lines(word, len(word["steps"]), lecture)
    if len(report["words"]) > 1:
        total = report["total"]
        lines += ["", f"all {len(report['words'])} words"]
        lines += _summary_lines(total, total["examples"], lecture)
    return lines


def _lecture_word_lines(word: Report) -> list[str]:
    """The notebook's rows: the pair (context and next, one token each), P and log P."""
    pairs = [step["context"] + step["next"] for step in word["steps"]]
    label_width = max(len("bigram"), *map(len, pairs))
    lines = [f"  {'bigram':<{label_width}}  {'prob':>7}  {'log-prob':>9}"]
    for pair, step in zip(pairs, word["steps"]):
        prob, log_prob = _number(step["prob"]), _number(step["log_prob"])
        lines.append(f"  {pair:<{label_width}}  {prob:>7}  {log_prob:>9}")
    return lines


def _ngram_word_lines(word: Report) -> list[str]:
    rows = [
        (
            f"{step['context']} -> {step['next']}",
            _number(step["prob"]),
            _number(step["log_prob"]),
            step["reason"] or "",
        )
        for step in word["steps"]
    ]
    header = ("context -> next", "prob", "log-prob", "")
    return ["  " + line for line in _table(header, rows, text_last=True)]


def _summary_lines(scores: Report, examples: int, lecture: bool) -> list[str]:
    what = "bigrams" if lecture else "examples"
    rows = [
        ("log-likelihood", _number(scores["log_likelihood"])),
        ("NLL", _number(scores["nll"])),
        ("mean NLL", f"{_number(scores['mean_nll'])}  (over {examples} {what})"),
    ]
    if not lecture:
        rows.append(("perplexity", _number(scores["perplexity"])))
    return _aligned(rows, indent="  ")


# --- sample ---------------------------------------------------------------------------


def name_line(name: Report) -> str:
    return name["name"] + (CUT_MARK if name["cut"] else "")


def _draw_line(draw: Report) -> str:
    move = f"{draw['context']} -> {draw['next']}"
    shaped = f" (model {draw['p_model']:.6f})" if draw["p_model"] != draw["p"] else ""
    if "interval" in draw:
        low, high = draw["interval"]
        randomness = f"u={draw['u']:.6f} in ({low:.6f}, {high:.6f}]"
    else:
        randomness = (
            f"u={draw['u']:.6f} q={draw['q']:.6f} p/q={draw['ratio']:.6f} "
            f"(the largest p/q of {len(draw['uniforms'])})"
        )
    return f"    {move}  p={draw['p']:.6f}{shaped}  {randomness}"


def sample_lines(report: Report) -> list[str]:
    """One name per line (outside the lecture's layout, with where it comes from: train,
    dev/test or new); with a trace, each name is followed by its draws."""
    model, names = report["model"], report["names"]
    lecture = is_lecture(
        model["order"], model["split"], model.get("net"), model.get("stream", False)
    ) and (report["temperature"] == 1.0 and report["top_k"] is None)
    width = max((len(name_line(name)) for name in names), default=0)
    lines = []
    for number, name in enumerate(names, start=1):
        shown = name_line(name)
        if not lecture and name["origin"] is not None:
            shown = f"{shown:<{width}}  {name['origin']}"
        if not report["trace"]:
            lines.append(shown)
            continue
        lines.append(f"{number}: {shown}")
        lines += [_draw_line(draw) for draw in name["draws"]]
    return lines


def xorshift_lines(report: Report) -> list[str]:
    """NG's sample as NG prints it: the characters themselves, newlines included."""
    return [report["text"]]


# --- train ----------------------------------------------------------------------------


def epoch_line(report: Report, epoch: Report, epoch_width: int) -> str:
    if is_lecture(report["order"], report["split"], report["net"], report.get("stream", False)):
        return f"epoch {epoch['epoch']:>{epoch_width}}  loss {epoch['loss']:.6f}"
    line = f"epoch {epoch['epoch']:>{epoch_width}}  train loss {epoch['loss']:.6f}"
    if epoch["dev_loss"] is not None:
        line += f"  dev loss {epoch['dev_loss']:.6f}"
    return line


def train_header(report: Report) -> str | None:
    """The net's line above the epochs; none in the lecture's layout."""
    if is_lecture(report["order"], report["split"], report["net"], report.get("stream", False)):
        return None
    what = "context" if report["net"] == "table" else "context position and token"
    split = report["split"]
    fitted = "all the words" if split is None else f"train of {describe_split(split)}"
    return (
        f"{report['net']} net, {order_name(report['order'])}, fitted on {fitted}: "
        f"{_int(report['parameters'])} parameters ({_int(report['rows'])} rows, one per {what})"
    )


def train_summary_lines(report: Report) -> list[str]:
    summary = report["summary"]
    lecture = is_lecture(
        report["order"], report["split"], report["net"], report.get("stream", False)
    )
    settings = f"lr {_short(summary['lr'])}, reg {_short(summary['reg'])}, seed {summary['seed']}"
    trained = f"trained {summary['epochs']} epochs ({settings})"
    loss = "loss" if lecture else "train loss"
    lines = [trained if lecture else f"{trained}, {_int(summary['parameters'])} parameters"]
    if summary["last_loss"] is not None:
        lines.append(f"  {loss} at epoch {summary['epochs'] - 1}: {summary['last_loss']:.6f}")
    lines.append(f"  {loss} of the final weights: {summary['final_loss']:.6f}")
    if not lecture:
        if summary["final_dev_nll"] is not None:
            dev, perplexity = summary["final_dev_nll"], summary["final_dev_perplexity"]
            lines.append(
                f"  dev mean NLL of the final weights: {dev:.6f} (perplexity {perplexity:.4f})"
            )
        floor = summary["counts_train_nll"]
        lines.append(f"  counts model's train mean NLL (a table net's floor at λ=0): {floor:.6f}")
    if summary["saved_to"] is not None:
        lines.append(f"  saved to {shown_path(summary['saved_to'])}")
    return lines


# --- tune -----------------------------------------------------------------------------


def _best_line(name: str, best: float, sweep: Report) -> str:
    return (
        f"best {name} {best:.6g}: dev {_number(sweep['best_dev_nll'])} "
        f"(perplexity {_number(sweep['best_dev_perplexity'])}), test "
        f"{_number(sweep['test_nll'])} (perplexity {_number(sweep['test_perplexity'])})"
    )


def tune_lines(report: Report) -> list[str]:
    k_sweep, l_sweep, matching = report["k_sweep"], report["lambda_sweep"], report["matching_k"]
    lines = [
        f"{order_name(report['order'])}, split {describe_split(report['split'])}; "
        "models fitted on train, chosen on dev, tested once",
        "",
        f"k sweep: the counts model with add-k smoothing ({len(k_sweep['ks'])} values)",
    ]
    rows: list[tuple[str, ...]] = [
        (("* " if k == k_sweep["best_k"] else "  ") + f"{k:.6g}", _number(nll), _number(ppl))
        for k, nll, ppl in zip(k_sweep["ks"], k_sweep["dev_nll"], k_sweep["dev_perplexity"])
    ]
    lines += ["  " + line for line in _table(("k", "dev NLL", "perplexity"), rows)]
    lines.append(_best_line("k", k_sweep["best_k"], k_sweep))
    lines += [
        "",
        f"λ sweep: the {l_sweep['net']} net trained to convergence per λ, seed {l_sweep['seed']}",
    ]
    rows = [
        (
            ("* " if lam == l_sweep["best_lambda"] else "  ") + f"{lam:.6g}",
            _number(nll),
            _number(ppl),
            "" if converged else "stopped",
        )
        for lam, nll, ppl, converged in zip(
            l_sweep["lambdas"], l_sweep["dev_nll"], l_sweep["dev_perplexity"], l_sweep["converged"]
        )
    ]
    lines += ["  " + line for line in _table(("λ", "dev NLL", "perplexity", ""), rows, True)]
    lines.append(_best_line("λ", l_sweep["best_lambda"], l_sweep))
    lines += [
        "",
        f"matching k: {matching['k']:.6g}, whose counts model's dev NLL "
        f"{_number(matching['dev_nll'])} is nearest the best λ's "
        f"{_number(l_sweep['best_dev_nll'])}",
    ]
    return lines


def grid_lines(report: Report) -> list[str]:
    """NG's table: a row per cell with its train and dev loss as NG rounds them (4 places),
    the best cell on dev marked, and its test loss once, in NG's own words."""
    grid = report["grid"]
    kn = grid["method"] == "kn"
    what = "Kneser-Ney models" if kn else "add-k counts models"
    value = "D" if kn else "k"
    stream = ", each file as NG's stream" if report.get("stream") else ""
    lines = [
        f"grid: {what} fitted on train, scored on train and dev; split "
        f"{describe_split(report['split'])}{stream}",
        "",
    ]
    best = grid["best"]
    rows = [
        (
            ("* " if (c["order"], c["value"]) == (best["order"], best["value"]) else "  ")
            + str(c["order"]),
            f"{c['value']:g}",
            _number(c["train_nll"]),
            _number(c["dev_nll"]),
        )
        for c in grid["cells"]
    ]
    lines += ["  " + line for line in _table(("order", value, "train NLL", "dev NLL"), rows)]
    test, perplexity = grid["test_nll"], grid["test_perplexity"]
    lines += [
        "",
        f"best on dev: order {best['order']}, {value} {best['value']:g} "
        f"(dev {_number(best['dev_nll'])})",
        f"test_loss {test:f}, test_perplexity {perplexity:f}",
    ]
    return lines
