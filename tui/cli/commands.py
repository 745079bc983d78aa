"""The subcommands of `bigram-tui`: stats, score, sample and train (and, in
`ngram_commands`, the same at order n with a split, and tune).

`main` parses the arguments and turns errors into one line on stderr; each function here
takes the parsed arguments, asks a `core.session.Session` for the work and prints the
report (text, or JSON with --json). Bad input found after parsing raises `UsageError`.
`score --load` and `sample --load` without --data need no session: the model file alone.

Neither torch nor textual is imported at module level: the session imports the core
inside its methods, so `bigram-tui --help` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

# core.defaults and core.session import no torch, so --help stays instant.
from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_REG, DEFAULT_SEED, default_lr
from bigram_tui.core.display import abbreviated, shown_path
from bigram_tui.core.params import DEFAULT_ORDER, DEFAULT_SPLIT_SEED
from bigram_tui.core.session import Session

from . import output as cli_output
from .errors import EXIT_INTERRUPTED, EXIT_OK, SaveStopped, UsageError, fail, write_output

if TYPE_CHECKING:
    from bigram_tui.core.model import BigramModel
    from bigram_tui.core.neural import Epoch, TrainingDiverged
    from bigram_tui.core.persist import SavedModel
    from bigram_tui.core.vocab import Vocab

MAX_TRACED_NAMES = 10_000  # a trace keeps a record of every draw of every name
# Numbers a trace may hold before it is printed: a torch draw records one uniform per token,
# so a wide vocabulary and a long --max-length made one name cost 81 MB. About 160 MB.
MAX_TRACE_NUMBERS = 4_000_000


def traced_names(
    sampler: Any, count: int, record_of: Callable[[Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """`count` names with a record of each draw, refused once the trace outgrows its bound."""
    names: list[dict[str, Any]] = []
    numbers = 0
    for _ in range(count):
        draws, name = sampler.finish_name()
        records = [record_of(draw) for draw in draws]
        numbers += sum(4 + len(record.get("uniforms", ())) for record in records)
        if numbers > MAX_TRACE_NUMBERS:
            raise UsageError(
                f"--trace would hold over {MAX_TRACE_NUMBERS:,} numbers by name "
                f"{len(names) + 1:,}; lower -n or --max-length, use --sampler classic, "
                "or drop --trace"
            )
        names.append(cli_output.name_record(name, records))
    return names


def _data_path(args: argparse.Namespace) -> Path:
    from bigram_tui.core.dataset import resolve_dataset

    return resolve_dataset(args.data if args.data is not None else args.app_data)


def _first_given(*values: Any) -> Any:
    return next(value for value in values if value is not None)


def _diverged(exc: TrainingDiverged) -> UsageError:
    # λ's penalty can overflow on its own, so it is named when it is set.
    smaller = "--lr or --reg" if exc.reg > 0 else "--lr"
    return UsageError(f"{exc.describe()}; run again with a smaller {smaller}")


def _model_kind(args: argparse.Namespace) -> str:
    """The model asked for, refusing options that would be silently ignored."""
    kind: str = args.model or ("neural" if args.load is not None else "counts")
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


def _session(args: argparse.Namespace) -> Session:
    """The data of `args`, counted, with training set up from the options (or the defaults)."""
    # The global --seed is the app's one seed; the CLI's training uses it the same way.
    seed = _first_given(getattr(args, "train_seed", None), args.app_seed, DEFAULT_SEED)
    order = _first_given(getattr(args, "order", None), DEFAULT_ORDER)
    lr = _first_given(getattr(args, "lr", None), default_lr(order))
    reg = _first_given(getattr(args, "reg", None), DEFAULT_REG)
    split, split_seed = getattr(args, "split", None), getattr(args, "split_seed", None)
    if split_seed is not None and split is None:
        raise UsageError("--split-seed shuffles a split; add --split, e.g. --split 80/10/10")
    return Session.load(
        _data_path(args), seed, lr=lr, reg=reg, notebook_sum=False,
        order=order, split=split,
        split_seed=_first_given(split_seed, DEFAULT_SPLIT_SEED),
    )  # fmt: skip


def _prepare_model(args: argparse.Namespace, kind: str, session: Session) -> dict[str, Any]:
    """Train or load the neural model if `kind` asks for it; returns the report's description."""
    from bigram_tui.core.neural import TrainingDiverged

    if kind == "counts":
        return {"kind": "counts", "smoothing": _smoothing(args)}
    if kind == "uniform":
        return {"kind": "uniform"}
    if args.load is not None:
        return _loaded_info(args, session.restore(args.load))
    epochs = _first_given(args.epochs, DEFAULT_EPOCHS)
    try:
        run = session.train(epochs)
    except TrainingDiverged as exc:
        raise _diverged(exc) from None
    settings = {"epochs": epochs, "lr": run.lr, "reg": run.reg, "seed": run.seed}
    return {"kind": "neural", "file": None, **settings}


def _loaded_info(args: argparse.Namespace, saved: SavedModel) -> dict[str, Any]:
    trained = {"epochs": saved.epoch, "lr": saved.lr, "reg": saved.reg, "seed": saved.seed}
    return {"kind": "neural", "file": args.load, **trained}


def _from_model_file(args: argparse.Namespace) -> bool:
    """--load without --data: the file carries its vocabulary, so no data is read or counted.

    A --data given is read, to refuse a model saved for other characters than it has.
    """
    from . import ngram_commands

    named_data = args.data is not None or args.app_data is not None
    # Any n-gram option, or a --split-seed without --split, takes the session's way to its error.
    session_options = ngram_commands.wanted(args) or getattr(args, "split_seed", None) is not None
    return args.load is not None and not named_data and not session_options


def _load_model_file(args: argparse.Namespace) -> SavedModel:
    from bigram_tui.core.persist import load_model

    return load_model(args.load)


def _check_words(words: list[str], vocab: Vocab) -> None:
    """Every word against `vocab`, before a neural model spends time training."""
    from bigram_tui.core.scoring import OutOfVocabulary

    for word in words:
        if unknown := vocab.unknown_chars(word):
            chars = abbreviated("".join(vocab.chars))
            raise UsageError(
                f"cannot score {abbreviated(repr(word))}: "
                f"{OutOfVocabulary(word, unknown)}; "
                f"use words made of the data's characters {chars!r}"
            )


def _smoothing(args: argparse.Namespace) -> float:
    return 0.0 if args.smoothing is None else float(args.smoothing)


def _emit(args: argparse.Namespace, report: Any, text_lines: Callable[[Any], list[str]]) -> None:
    write_output(cli_output.render_json(report) if args.json else "\n".join(text_lines(report)))


def stats(args: argparse.Namespace) -> int:
    from . import ngram_commands

    if ngram_commands.wanted(args):
        return ngram_commands.stats(args)
    if args.split_seed is not None:
        raise UsageError("--split-seed shuffles a split; add --split, e.g. --split 80/10/10")
    session = Session.load(_data_path(args), notebook_sum=False)
    k = _smoothing(args)
    score = session.dataset_score(k)
    # The '.' layout (one start/end token), as the app shows by default.
    top = session.counts.most_common(args.top, layout="dot")
    report = cli_output.stats_report(session.data_path, session.counts, k, score, top)
    _emit(args, report, cli_output.stats_lines)
    return EXIT_OK


def score(args: argparse.Namespace) -> int:
    kind = _model_kind(args)  # before reading the data: a bad combination fails at once
    for word in args.words:
        if not word.strip():
            # A word is a stripped line of the data, so the data never has an empty one.
            raise UsageError(
                f"cannot score {word!r}: a word needs at least one character other than "
                "white space; drop it or quote a real word"
            )
    if _from_model_file(args):
        from bigram_tui.core.scoring import score_word

        saved = _load_model_file(args)
        _check_words(args.words, saved.vocab)
        model, model_info = saved.model(), _loaded_info(args, saved)
        scores = [score_word(model, word) for word in args.words]
    else:
        session = _session(args)
        _check_words(args.words, session.vocab)
        from . import ngram_commands

        if ngram_commands.wanted(args):
            return ngram_commands.score(args, kind, session)
        model_info = _prepare_model(args, kind, session)
        scores = session.score_words(args.words, kind, _smoothing(args))
    _emit(args, cli_output.score_report(model_info, scores), cli_output.score_lines)
    return EXIT_OK


def sample(args: argparse.Namespace) -> int:
    kind = _model_kind(args)
    if args.trace and args.count > MAX_TRACED_NAMES:
        raise UsageError(
            f"--trace records every draw: at most {MAX_TRACED_NAMES:,} names, "
            f"not {args.count:,}; lower -n or drop --trace"
        )
    seed = _first_given(args.seed, args.app_seed, DEFAULT_SEED)
    settings = {"algorithm": args.sampler, "seed": seed, "max_length": args.max_length}
    if _from_model_file(args):
        saved = _load_model_file(args)
        model_info, model = _loaded_info(args, saved), saved.model()
    else:
        session = _session(args)
        from . import ngram_commands

        if ngram_commands.wanted(args):
            return ngram_commands.sample(args, kind, session)
        model_info = _prepare_model(args, kind, session)
        model = session.model(kind, _smoothing(args))
    names = _sampled_records(args, model, settings)
    report = {"model": model_info, "sampler": args.sampler, "seed": seed,
              "max_length": args.max_length, "trace": args.trace, "names": names}  # fmt: skip
    _emit(args, report, cli_output.sample_lines)
    return EXIT_OK


def _sampled_records(
    args: argparse.Namespace, model: BigramModel, settings: dict[str, Any]
) -> list[dict[str, Any]]:
    """`args.count` names of `model`, each with a record of its draws with --trace."""
    from bigram_tui.core.params import check_name_count
    from bigram_tui.core.sampling import NameSampler, sample_names

    if args.trace:
        # Step by step, to see each draw; bit-identical to the batch path below.
        sampler = NameSampler(model, **settings)
        itos = model.vocab.itos
        return traced_names(sampler, args.count, lambda d: cli_output.draw_record(d, itos))
    names = sample_names(model, check_name_count(args.count), **settings)
    return [cli_output.name_record(name) for name in names]


@contextlib.contextmanager
def _signals_stop_the_save() -> Iterator[None]:
    """SIGTERM and SIGHUP during a save raise SaveStopped, so the temporary file is removed."""

    def stop(signum: int, _frame: object) -> None:
        raise SaveStopped(signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the default SIGTERM still ends us
        return
    stopping = (signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.signal(number, stop) for number in stopping}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _check_save_path(args: argparse.Namespace, session: Session | None) -> None:
    """Fail before training, not after: a long run must not be lost to a typo."""
    if args.save is None:
        return
    if not args.save.strip():
        raise UsageError("--save needs a file name, e.g. --save model.pt")
    if session is None:
        from bigram_tui.core.persist import check_model_path

        check_model_path(args.save)
    else:
        session.check_save_path(args.save)


def train(args: argparse.Namespace) -> int:
    from bigram_tui.core.neural import TrainingDiverged

    from . import ngram_commands

    if ngram_commands.wanted(args):
        return ngram_commands.train(args)

    _check_save_path(args, None)  # before reading the data, which may take a while
    session = _session(args)
    _check_save_path(args, session)  # now the data file is known, and protected
    width = len(str(max(args.epochs - 1, 0)))
    shown = []

    def show(epoch: Epoch) -> None:
        if epoch.index % args.every == 0 or epoch.index == args.epochs - 1:
            shown.append({"epoch": epoch.index, "loss": epoch.loss})
            if not args.json:  # as it happens: a long run shows progress
                write_output(cli_output.epoch_line(epoch.index, epoch.loss, width))

    try:
        run = session.train(args.epochs, on_epoch=show)
    except TrainingDiverged as exc:
        raise _diverged(exc) from None
    if args.save is not None:
        unchanged = f"{shown_path(args.save)} was left as it was"
        try:
            with _signals_stop_the_save():
                session.save(args.save)
        except KeyboardInterrupt:
            fail(f"save interrupted; {unchanged}")
            return EXIT_INTERRUPTED
        except SaveStopped as stop:
            fail(f"stopped by {signal.Signals(stop.signum).name} during the save; {unchanged}")
            return 128 + stop.signum
    summary = {"epochs": run.epoch, "lr": run.lr, "reg": run.reg, "seed": run.seed,
               "last_loss": run.losses[-1] if run.losses else None,
               "final_loss": run.final_loss(), "saved_to": args.save}  # fmt: skip
    if args.json:
        write_output(cli_output.render_json({"epochs": shown, "summary": summary}))
    else:
        write_output("\n".join(cli_output.train_summary_lines(summary)))
    return EXIT_OK
