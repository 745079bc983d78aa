"""Text for the n-gram reports: stats per part, score rows, marked names, epochs and tune.

The reports are plain data built by `ngram_commands`; JSON goes through `output.render_json`
(infinities as "inf"/"-inf", like every other report). Every mean NLL is shown with its
perplexity, exp(mean NLL). No torch here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bigram_tui.core.display import abbreviated, shown_path

from .output import Report, _aligned, _number, _short, describe_model, name_line

ORDER_NAMES = {1: "unigram", 2: "bigram", 3: "trigram"}


def order_name(order: int) -> str:
    return ORDER_NAMES.get(order, f"{order}-gram")


def _int(value: int) -> str:
    return f"{value:,}"


def describe_split(split: Report | None) -> str:
    if split is None:
        return "none: every word is training data"
    return f"{split['percentages']} of the words, shuffled with seed {split['seed']}"


def describe_ngram_model(model: Report) -> str:
    described = describe_model(model)
    if model["kind"] == "neural":
        described = described.replace("neural net", f"neural {model['net']} net", 1)
        described += f", {_int(model['parameters'])} parameters"
    fitted = "all the words" if model["split"] is None else "train"
    return f"{described}; {order_name(model['order'])}, fitted on {fitted}"


def _reasons(never_seen: Report) -> str:
    return ", ".join(f"{count:,} {reason}" for reason, count in never_seen.items())


# --- stats ----------------------------------------------------------------------------


def stats_lines(report: Report) -> list[str]:
    vocabulary = report["vocabulary"]
    chars = "".join(vocabulary["characters"])
    order = report["order"]
    context = "no context" if order == 1 else f"the previous {order - 1} tokens"
    rows = [
        ("data", shown_path(report["data"])),
        ("words", _int(report["words"])),
        ("examples", f"{_int(report['examples'])} (len(word)+1 per word, at every order)"),
        ("vocabulary", f"{vocabulary['size']} tokens: '.' and {abbreviated(chars)!r}"),
        ("order", f"{order}, the {order_name(order)}: context is {context}"),
        ("smoothing k", _short(report["smoothing"])),
        ("split", describe_split(report["split"])),
    ]
    lines = _aligned(rows)
    lines += ["", *_parts_table(report["parts"])]
    for part in report["parts"]:
        if part["never_seen"]:
            fitted = "the training counts" if report["split"] else "the counts"
            lines.append(
                f"{part['part']} is inf: {_int(sum(part['never_seen'].values()))} of its "
                f"{_int(part['examples'])} n-grams have probability 0 under {fitted} "
                f"({_reasons(part['never_seen'])}); --smoothing k > 0 gives them some"
            )
    top = report["top_ngrams"]
    lines.append("")
    lines.append(
        f"top {len(top)} {order_name(order)}s of all the words "
        "('.' pads the start and marks the end):"
    )
    rank_width = len(str(len(top)))
    count_width = max((len(_int(n["count"])) for n in top), default=1)
    for rank, ngram in enumerate(top, start=1):
        lines.append(
            f"  {rank:>{rank_width}}  {ngram['ngram']}  {_int(ngram['count']):>{count_width}}"
        )
    return lines


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


# --- score ----------------------------------------------------------------------------


def _summary_rows(scores: Report, examples: int) -> list[tuple[str, str]]:
    return [
        ("log-likelihood", _number(scores["log_likelihood"])),
        ("NLL", _number(scores["nll"])),
        ("mean NLL", f"{_number(scores['mean_nll'])}  (over {examples} examples)"),
        ("perplexity", _number(scores["perplexity"])),
    ]


def score_lines(report: Report) -> list[str]:
    lines = [f"model: {describe_ngram_model(report['model'])}"]
    for word in report["words"]:
        lines += ["", word["word"]]
        rows = [
            (
                f"{step['context']} -> {step['next']}",
                _number(step["prob"]),
                _number(step["log_prob"]),
                step["reason"] or "",
            )
            for step in word["steps"]
        ]
        lines += [
            "  " + line for line in _table(("context -> next", "prob", "log-prob", ""), rows, True)
        ]
        lines += _aligned(_summary_rows(word, len(word["steps"])), indent="  ")
    if len(report["words"]) > 1:
        total = report["total"]
        lines += ["", f"all {len(report['words'])} words"]
        lines += _aligned(_summary_rows(total, total["examples"]), indent="  ")
    return lines


# --- sample ---------------------------------------------------------------------------


def _draw_line(draw: Report) -> str:
    move = f"{draw['context']} -> {draw['chosen']}"
    shaped = f" (model {draw['p_model']:.6f})" if draw["p_model"] != draw["p"] else ""
    if "interval" in draw:
        low, high = draw["interval"]
        randomness = f"u={draw['u']:.6f} in ({low:.6f}, {high:.6f}]"
    else:
        randomness = f"u={draw['u']:.6f} q={draw['q']:.6f} p/q={draw['ratio']:.6f}"
    return f"    {move}  p={draw['p']:.6f}{shaped}  {randomness}"


def sample_lines(report: Report) -> list[str]:
    """One name per line, then where it comes from (train, dev/test or new); with a trace,
    each name's draws."""
    names = report["names"]
    width = max((len(name_line(name)) for name in names), default=0)
    lines = []
    for number, name in enumerate(names, start=1):
        marked = f"{name_line(name):<{width}}  {name['origin']}"
        if not report["trace"]:
            lines.append(marked)
            continue
        lines.append(f"{number}: {marked}")
        lines += [_draw_line(draw) for draw in name["draws"]]
    return lines


# --- train ----------------------------------------------------------------------------


def epoch_line(epoch: Report, epoch_width: int) -> str:
    line = f"epoch {epoch['epoch']:>{epoch_width}}  train loss {epoch['loss']:.6f}"
    if epoch.get("dev_loss") is not None:
        line += f"  dev loss {epoch['dev_loss']:.6f}"
    return line


def train_header(report: Report) -> str:
    rows = report["rows"]
    what = "context" if report["net"] == "table" else "context position and token"
    split = report["split"]
    fitted = "all the words" if split is None else f"train of {describe_split(split)}"
    return (
        f"{report['net']} net, {order_name(report['order'])}, fitted on {fitted}: "
        f"{_int(report['parameters'])} parameters ({_int(rows)} rows, one per {what})"
    )


def train_summary_lines(summary: Report) -> list[str]:
    settings = f"lr {_short(summary['lr'])}, reg {_short(summary['reg'])}, seed {summary['seed']}"
    lines = [
        f"trained {summary['epochs']} epochs ({settings}), {_int(summary['parameters'])} parameters"
    ]
    if summary["last_loss"] is not None:
        lines.append(f"  train loss at epoch {summary['epochs'] - 1}: {summary['last_loss']:.6f}")
    lines.append(f"  train loss of the final weights: {summary['final_loss']:.6f}")
    if summary["final_dev_nll"] is not None:
        dev, perplexity = summary["final_dev_nll"], summary["final_dev_perplexity"]
        lines.append(
            f"  dev mean NLL of the final weights: {dev:.6f} (perplexity {perplexity:.4f})"
        )
    floor = summary["counts_train_nll"]
    lines.append(f"  counts model's train mean NLL (a table net's floor at λ=0): {floor:.6f}")
    return lines


# --- tune -----------------------------------------------------------------------------


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
    lines.append(
        f"best k {k_sweep['best_k']:.6g}: dev {_number(k_sweep['best_dev_nll'])} "
        f"(perplexity {_number(k_sweep['best_dev_perplexity'])}), test "
        f"{_number(k_sweep['test_nll'])} (perplexity {_number(k_sweep['test_perplexity'])})"
    )
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
    lines.append(
        f"best λ {l_sweep['best_lambda']:.6g}: dev {_number(l_sweep['best_dev_nll'])} "
        f"(perplexity {_number(l_sweep['best_dev_perplexity'])}), test "
        f"{_number(l_sweep['test_nll'])} (perplexity {_number(l_sweep['test_perplexity'])})"
    )
    lines += [
        "",
        f"matching k: {matching['k']:.6g}, whose counts model's dev NLL "
        f"{_number(matching['dev_nll'])} is nearest the best λ's "
        f"{_number(l_sweep['best_dev_nll'])}",
    ]
    return lines


def ngram_record(ngram: Sequence[str], count: int) -> dict[str, Any]:
    return {"ngram": "".join(ngram), "count": count}
