"""The four subcommands of `bigram-tui`: stats, score, sample and train.

`cli` parses the arguments and turns errors into one line on stderr; each function here
takes the parsed arguments, does the work and prints the report (text, or JSON with
--json). Bad input found after parsing raises `UsageError`, whose message is the line.

Neither torch nor textual is imported at module level: each command imports the core
inside its function, so `bigram-tui --help` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

# core.defaults imports no torch, so --help stays instant.
from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_LR, DEFAULT_SEED

from . import output as cli_output

if TYPE_CHECKING:
    from bigram_tui.core.counts import BigramCounts
    from bigram_tui.core.model import BigramModel
    from bigram_tui.core.neural import Epoch, TrainingRun

PROG = "bigram-tui"
MAX_TRACED_NAMES = 10_000  # a trace keeps a record of every draw of every name

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a C tool killed by the closed pipe reports
DEBUG_ENV_VAR = "BIGRAM_TUI_DEBUG"


class UsageError(Exception):
    """Bad input found after parsing; the message is one line, 'what is wrong; how to fix'."""


class _DownloadProgress:
    """'downloading names.txt: 120 of 228 KB', rewritten in place on stderr."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, received: int, total: int | None) -> None:
        of_total = f" of {total // 1024}" if total else ""
        sys.stderr.write(f"\rdownloading names.txt: {received // 1024}{of_total} KB")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _data_path(args: argparse.Namespace) -> Path:
    from bigram_tui.core.dataset import resolve_dataset

    data = args.data if args.data is not None else args.app_data
    # Progress is for a person watching; in a pipe or a log it would be noise.
    progress = _DownloadProgress() if sys.stderr.isatty() else None
    try:
        return resolve_dataset(data, progress=progress)
    finally:
        if progress is not None:
            progress.finish()


def _load_counts(path: Path) -> BigramCounts:
    from bigram_tui.core.counts import BigramCounts
    from bigram_tui.core.data import iter_word_chunks

    # Streamed in chunks, so a huge word list never sits in memory as one list.
    return BigramCounts.from_word_chunks(iter_word_chunks(path))


def _first_given(*values: int | None) -> int:
    return next(value for value in values if value is not None)


def _step(run: TrainingRun) -> Epoch:
    from bigram_tui.core.neural import TrainingDiverged

    try:
        return run.step()
    except TrainingDiverged as exc:
        # The core's hint ("reset ...") is for the app; here the way out is a smaller lr
        # (or λ, whose penalty can overflow on its own).
        what = str(exc).split(";")[0].removeprefix("training diverged: ")
        smaller = "--lr or --reg" if run.reg > 0 else "--lr"
        raise UsageError(f"training diverged: {what}; run again with a smaller {smaller}") from None


def _model_kind(args: argparse.Namespace) -> str:
    """The model asked for, refusing options that would be silently ignored."""
    kind = args.model or ("neural" if args.load is not None else "counts")
    training = [
        flag
        for flag, value in [
            ("--epochs", args.epochs),
            ("--lr", args.lr),
            ("--reg", args.reg),
            (args.train_seed_flag, args.train_seed),
        ]
        if value is not None
    ]
    if args.load is not None and kind != "neural":
        raise UsageError(f"--load reads a neural model; drop --model {kind} or --load")
    if args.smoothing is not None and kind != "counts":
        raise UsageError(f"--smoothing applies to the counts model only; drop it for {kind}")
    if training and kind != "neural":
        raise UsageError(f"{training[0]} applies to the neural model; add --model neural")
    if training and args.load is not None:
        raise UsageError(f"{training[0]} sets up training, but --load is trained; drop one")
    return kind


def _build_model(
    args: argparse.Namespace, kind: str, counts: BigramCounts
) -> tuple[BigramModel, dict[str, Any]]:
    """The model of `kind` (from `_model_kind`) and a description of it for the report."""
    from bigram_tui.core.model import counts_model, uniform_model
    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.persist import load_model

    if kind == "counts":
        k = 0.0 if args.smoothing is None else args.smoothing
        return counts_model(counts, k), {"kind": "counts", "smoothing": k}
    if kind == "uniform":
        return uniform_model(counts.vocab), {"kind": "uniform"}
    if args.load is not None:
        saved = load_model(args.load, counts.vocab)
        trained = {"epochs": saved.epoch, "lr": saved.lr, "reg": saved.reg, "seed": saved.seed}
        return saved.model(), {"kind": "neural", "file": args.load, **trained}
    epochs = _first_given(args.epochs, DEFAULT_EPOCHS)
    lr, reg = (DEFAULT_LR if args.lr is None else args.lr), (args.reg or 0.0)
    seed = _first_given(args.train_seed, DEFAULT_SEED)
    run = TrainingRun(counts, seed=seed, lr=lr, reg=reg)
    for _ in range(epochs):
        _step(run)
    settings = {"epochs": epochs, "lr": lr, "reg": reg, "seed": seed}
    return run.model(), {"kind": "neural", "file": None, **settings}


def _emit(args: argparse.Namespace, report: Any, text_lines: Callable[[Any], list[str]]) -> None:
    print(cli_output.render_json(report) if args.json else "\n".join(text_lines(report)))


def stats(args: argparse.Namespace) -> int:
    from bigram_tui.core.model import counts_model
    from bigram_tui.core.scoring import score_dataset

    path = _data_path(args)
    counts = _load_counts(path)
    k = 0.0 if args.smoothing is None else args.smoothing
    score = score_dataset(counts_model(counts, k), counts)
    # The '.' layout (one start/end token), as the app shows by default.
    top = counts.most_common(args.top, layout="dot")
    _emit(args, cli_output.stats_report(path, counts, k, score, top), cli_output.stats_lines)
    return EXIT_OK


def score(args: argparse.Namespace) -> int:
    from bigram_tui.core.scoring import OutOfVocabulary, score_word

    kind = _model_kind(args)  # before reading the data: a bad combination fails at once
    for word in args.words:
        if not word.strip():
            # A word is a stripped line of the data, so the data never has an empty one.
            raise UsageError(
                f"cannot score {word!r}: a word needs at least one character other than "
                "white space; drop it or quote a real word"
            )
    counts = _load_counts(_data_path(args))
    vocab = counts.vocab
    for word in args.words:  # checked before a neural model spends time training
        if unknown := vocab.unknown_chars(word):
            chars = cli_output.abbreviated("".join(vocab.chars))
            raise UsageError(
                f"cannot score {cli_output.abbreviated(repr(word))}: "
                f"{OutOfVocabulary(word, unknown)}; "
                f"use words made of the data's characters {chars!r}"
            )
    model, model_info = _build_model(args, kind, counts)
    scores = [score_word(model, word) for word in args.words]
    _emit(args, cli_output.score_report(model_info, scores), cli_output.score_lines)
    return EXIT_OK


def sample(args: argparse.Namespace) -> int:
    from bigram_tui.core.sampling import NameSampler, sample_names

    kind = _model_kind(args)
    if args.trace and args.count > MAX_TRACED_NAMES:
        raise UsageError(
            f"--trace records every draw: at most {MAX_TRACED_NAMES:,} names, "
            f"not {args.count:,}; lower -n or drop --trace"
        )
    counts = _load_counts(_data_path(args))
    model, model_info = _build_model(args, kind, counts)
    seed = _first_given(args.seed, args.app_seed, DEFAULT_SEED)
    settings = {"algorithm": args.sampler, "seed": seed, "max_length": args.max_length}
    if args.trace:
        # Step by step, to see each draw; bit-identical to the batch path below.
        sampler = NameSampler(model, **settings)
        itos = model.vocab.itos
        names = []
        for _ in range(args.count):
            draws, name = sampler.finish_name()
            names.append(
                cli_output.name_record(name, [cli_output.draw_record(d, itos) for d in draws])
            )
    else:
        names = [cli_output.name_record(n) for n in sample_names(model, args.count, **settings)]
    report = {"model": model_info, "sampler": args.sampler, "seed": seed,
              "max_length": args.max_length, "trace": args.trace, "names": names}  # fmt: skip
    _emit(args, report, cli_output.sample_lines)
    return EXIT_OK


def _check_save_path(save: str | None) -> None:
    """Fail before training, not after: a long run must not be lost to a typo."""
    if save is None:
        return
    if not save.strip():
        raise UsageError("--save needs a file name, e.g. --save model.pt")
    target = Path(save)
    if target.is_dir():
        raise UsageError(
            f"--save {save} is a directory; give a file name, e.g. {target / 'model.pt'}"
        )
    if not target.parent.is_dir():
        raise UsageError(f"--save {save}: no directory {target.parent}; create it first")


def train(args: argparse.Namespace) -> int:
    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.persist import save_model

    _check_save_path(args.save)
    counts = _load_counts(_data_path(args))
    seed = _first_given(args.train_seed, args.app_seed, DEFAULT_SEED)
    run = TrainingRun(counts, seed=seed, lr=args.lr, reg=args.reg)
    width = len(str(max(args.epochs - 1, 0)))
    shown = []
    for _ in range(args.epochs):
        epoch = _step(run)
        if epoch.index % args.every == 0 or epoch.index == args.epochs - 1:
            shown.append({"epoch": epoch.index, "loss": epoch.loss})
            if not args.json:  # as it happens: a long run shows progress
                print(cli_output.epoch_line(epoch.index, epoch.loss, width))
    if args.save is not None:
        save_model(args.save, run)
    summary = {"epochs": run.epoch, "lr": args.lr, "reg": args.reg, "seed": seed,
               "last_loss": run.losses[-1] if run.losses else None,
               "final_loss": run.loss_and_grad(run.weights)[0], "saved_to": args.save}  # fmt: skip
    if args.json:
        print(cli_output.render_json({"epochs": shown, "summary": summary}))
    else:
        print("\n".join(cli_output.train_summary_lines(summary)))
    return EXIT_OK
