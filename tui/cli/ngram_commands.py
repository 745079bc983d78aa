"""The subcommands at order n, with a split, temperature or top-k, and `tune`.

`commands` hands a command over here when an option asks for more than the lecture's bigram
(an --order other than 2, a --split, a --temperature other than 1, a --top-k, a --net); with
none of them its output stays exactly what it was. Everything goes through the session.
No torch at module level: the session imports the core inside its methods.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bigram_tui.core.dataset import dataset_label
from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_SEED
from bigram_tui.core.params import DEFAULT_ORDER, DEFAULT_SPLIT_SEED, format_split
from bigram_tui.core.session import Session

from . import ngram_output
from . import output as cli_output
from .commands import (
    _data_path,
    _diverged,
    _emit,
    _first_given,
    _session,
    _smoothing,
    traced_names,
)
from .errors import EXIT_OK, UsageError, write_output

if TYPE_CHECKING:
    from bigram_tui.core.ngram_model import NextTokenModel, NgramScore
    from bigram_tui.core.ngram_sampling import NgramDraw

# Where a sampled name comes from, said once under the names.
ORIGINS_WITH_SPLIT = "train: a training word; dev/test: only a held-out word; new: in no part"
ORIGINS_WHOLE = "train: a word of the data; new: not in the data"


def wanted(args: argparse.Namespace) -> bool:
    """True when an option asks for more than the lecture's bigram on all the words."""
    order = getattr(args, "order", None)
    temperature = getattr(args, "temperature", None)
    return (
        (order is not None and order != DEFAULT_ORDER)
        or getattr(args, "split", None) is not None
        or (temperature is not None and temperature != 1.0)
        or getattr(args, "top_k", None) is not None
        or getattr(args, "net", None) is not None
    )


def _split_text(args: argparse.Namespace) -> dict[str, Any] | None:
    """The split as asked for (the sizes may round differently from the percentages)."""
    if args.split is None:
        return None
    seed = _first_given(args.split_seed, DEFAULT_SPLIT_SEED)
    return {"percentages": format_split(args.split), "seed": seed}


def _split_report(args: argparse.Namespace, session: Session) -> dict[str, Any] | None:
    asked = _split_text(args)
    if asked is None:
        return None
    return {**asked, "words": session.part_words()}


def _score_record(score: NgramScore) -> dict[str, Any]:
    return {
        "examples": score.examples,
        "log_likelihood": score.log_likelihood,
        "mean_nll": score.mean_nll,
        "perplexity": score.perplexity,
        "never_seen": score.reasons(),
    }


# --- stats ----------------------------------------------------------------------------


def stats(args: argparse.Namespace) -> int:
    session = _session(args)
    k = _smoothing(args)
    whole = session.ngram_counts()
    scores = session.part_scores(session.ngram_model(k))
    words = session.part_words()
    parts = [{"part": name, "words": words[name], **_score_record(score)}
             for name, score in scores.items()]  # fmt: skip
    vocab = session.vocab
    report = {
        "data": dataset_label(session.data_path),
        "words": session.counts.words,
        "examples": whole.total,
        "vocabulary": {"size": vocab.size, "characters": list(vocab.chars)},
        "order": session.order,
        "smoothing": k,
        "split": _split_report(args, session),
        "distinct_ngrams": whole.entries,
        "parts": parts,
        "top_ngrams": [ngram_output.ngram_record(g, n) for g, n in whole.most_common(args.top)],
    }
    _emit(args, report, ngram_output.stats_lines)
    return EXIT_OK


# --- the model of score and sample ----------------------------------------------------


def _model(
    args: argparse.Namespace, kind: str, session: Session
) -> tuple[NextTokenModel, dict[str, Any]]:
    """The counts model at k, or a table net trained on train; and its description."""
    from bigram_tui.core.neural import TrainingDiverged

    where = {"order": session.order, "split": _split_report(args, session)}
    if kind == "uniform":
        raise UsageError(
            "--model uniform is the same at every order and fits no data; "
            "drop --order, --split, --temperature and --top-k, or choose another --model"
        )
    if kind == "counts":
        k = _smoothing(args)
        return session.ngram_model(k), {"kind": "counts", "smoothing": k, **where}
    if args.load is not None:
        raise UsageError(
            "--load reads a bigram net trained on all the words; drop --load to train "
            "a net at this order and split"
        )
    epochs = _first_given(args.epochs, DEFAULT_EPOCHS)
    run = session.new_ngram_run("table")
    try:
        session.train_ngram(epochs)
    except TrainingDiverged as exc:
        raise _diverged(exc) from None
    info = {"kind": "neural", "net": "table", "file": None, "epochs": epochs, "lr": run.lr,
            "reg": run.reg, "seed": run.seed, "parameters": run.parameters}  # fmt: skip
    return session.next_token_model("neural"), {**info, **where}


# --- score ----------------------------------------------------------------------------


def score(args: argparse.Namespace, kind: str, session: Session) -> int:
    """`commands.score` has checked the words against the vocabulary already."""
    model, info = _model(args, kind, session)
    scores = session.score_ngram_words(args.words, model)
    words = [
        {
            "word": scored.word,
            "steps": [
                {"context": "".join(step.context), "next": step.next, "prob": step.prob,
                 "log_prob": step.log_prob, "reason": step.reason}
                for step in scored.steps
            ],
            "log_likelihood": scored.log_likelihood,
            "nll": scored.nll,
            "mean_nll": scored.mean_nll,
            "perplexity": scored.perplexity,
        }
        for scored in scores
    ]  # fmt: skip
    log_likelihood = math.fsum(scored.log_likelihood for scored in scores)
    examples = sum(len(scored.steps) for scored in scores)
    mean = -log_likelihood / examples
    total = {
        "examples": examples,
        "log_likelihood": log_likelihood,
        "nll": -log_likelihood,
        "mean_nll": mean,
        "perplexity": math.exp(mean) if mean < 709 else math.inf,
    }
    _emit(args, {"model": info, "words": words, "total": total}, ngram_output.score_lines)
    return EXIT_OK


# --- sample ---------------------------------------------------------------------------


def _draw_record(draw: NgramDraw, itos: tuple[str, ...]) -> dict[str, Any]:
    record = cli_output.draw_record(draw, itos)
    record["p_model"] = float(draw.original[draw.chosen])
    return record


def sample(args: argparse.Namespace, kind: str, session: Session) -> int:
    model, info = _model(args, kind, session)
    seed = _first_given(args.seed, args.app_seed, DEFAULT_SEED)
    temperature = _first_given(args.temperature, 1.0)
    shaping = {"temperature": temperature, "top_k": args.top_k}
    settings = {"algorithm": args.sampler, "seed": seed, "max_length": args.max_length}
    records = []
    if args.trace:
        sampler = session.ngram_sampler(model, **shaping, **settings)
        itos = session.vocab.itos
        records = traced_names(sampler, args.count, lambda d: _draw_record(d, itos))
    else:
        sampled = session.sample_ngram(args.count, model, **shaping, **settings)
        records = [cli_output.name_record(name) for name in sampled]
    for record, origin in zip(records, session.classify([r["name"] for r in records])):
        record["origin"] = origin
    origins = ORIGINS_WHOLE if session.split is None else ORIGINS_WITH_SPLIT
    report = {"model": info, "sampler": args.sampler, "seed": seed, "max_length": args.max_length,
              **shaping, "trace": args.trace, "origins": origins, "names": records}  # fmt: skip
    _emit(args, report, ngram_output.sample_lines)
    return EXIT_OK


# --- train ----------------------------------------------------------------------------


def train(args: argparse.Namespace) -> int:
    from bigram_tui.core.neural import TrainingDiverged

    if args.save is not None:
        raise UsageError(
            "--save keeps the lecture's bigram net only; drop --save, or drop --order, "
            "--split and --net"
        )
    session = _session(args)
    net = args.net or "table"
    run = session.new_ngram_run(net)
    split = _split_report(args, session)
    header = {"net": net, "order": session.order, "split": split,
              "parameters": run.parameters, "rows": run.objective.rows}  # fmt: skip
    if not args.json:
        write_output(ngram_output.train_header(header))
    width = len(str(max(args.epochs - 1, 0)))
    shown: list[dict[str, Any]] = []

    def show(epoch: Any, dev_loss: float | None) -> None:
        if epoch.index % args.every == 0 or epoch.index == args.epochs - 1:
            record = {"epoch": epoch.index, "loss": epoch.loss, "dev_loss": dev_loss}
            shown.append(record)
            if not args.json:
                write_output(ngram_output.epoch_line(record, width))

    try:
        session.train_ngram(args.epochs, show, dev_every=args.every)
    except TrainingDiverged as exc:
        raise _diverged(exc) from None
    final_dev = None
    if session.split is not None:
        final_dev = session.part_scores(run.model())["dev"]
    counts_floor = session.part_scores()[
        "train" if session.split is not None else next(iter(session.part_words()))
    ]
    summary = {"epochs": run.epoch, "lr": run.lr, "reg": run.reg, "seed": run.seed,
               "parameters": run.parameters,
               "last_loss": run.losses[-1] if run.losses else None,
               "final_loss": run.final_loss(),
               "final_dev_nll": None if final_dev is None else final_dev.mean_nll,
               "final_dev_perplexity": None if final_dev is None else final_dev.perplexity,
               "counts_train_nll": counts_floor.mean_nll}  # fmt: skip
    if args.json:
        write_output(cli_output.render_json({**header, "epochs": shown, "summary": summary}))
    else:
        write_output("\n".join(ngram_output.train_summary_lines(summary)))
    return EXIT_OK


# --- tune -----------------------------------------------------------------------------


def _sweep_progress() -> Callable[[int, int], None] | None:
    """On a terminal, the λ sweep's count of nets trained (it can take a while at order 4+)."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        # Overwritten in place, and erased once done, so only the report remains.
        ending = "\r\x1b[K" if done == total else ""
        stream.write(f"\rλ sweep: {done}/{total} nets trained to convergence{ending}")
        stream.flush()

    return show


def tune(args: argparse.Namespace) -> int:
    if args.split_seed is not None and args.split is None:
        raise UsageError("--split-seed shuffles a split; add --split, e.g. --split 80/10/10")
    seed = _first_given(args.train_seed, args.app_seed, DEFAULT_SEED)
    session = Session.load(
        _data_path(args), seed, notebook_sum=False,
        order=_first_given(args.order, DEFAULT_ORDER), split=args.split,
        split_seed=_first_given(args.split_seed, DEFAULT_SPLIT_SEED),
    )  # fmt: skip
    ks = session.k_sweep()
    lambdas = session.lambda_sweep(kind=args.net, progress=_sweep_progress())
    k_report = {"ks": ks.ks, "dev_nll": ks.dev_nll, "dev_perplexity": ks.dev_perplexity,
                "best_k": ks.best_k, "best_dev_nll": ks.best_dev_nll,
                "best_dev_perplexity": ks.best_dev_perplexity, "test_nll": ks.test_nll,
                "test_perplexity": ks.test_perplexity}  # fmt: skip
    l_report = {"net": lambdas.kind, "seed": seed, "lambdas": lambdas.lambdas,
                "dev_nll": lambdas.dev_nll, "dev_perplexity": lambdas.dev_perplexity,
                "converged": lambdas.converged, "iterations": lambdas.iterations,
                "best_lambda": lambdas.best_lambda, "best_dev_nll": lambdas.best_dev_nll,
                "best_dev_perplexity": lambdas.best_dev_perplexity, "test_nll": lambdas.test_nll,
                "test_perplexity": lambdas.test_perplexity}  # fmt: skip
    report = {
        "data": dataset_label(session.data_path),
        "order": session.order,
        "split": _split_report(args, session),
        "k_sweep": k_report,
        "lambda_sweep": l_report,
        "matching_k": {"k": lambdas.nearest_k, "dev_nll": lambdas.nearest_k_dev_nll},
    }
    _emit(args, report, ngram_output.tune_lines)
    return EXIT_OK
