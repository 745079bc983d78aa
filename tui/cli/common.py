"""What the subcommands share: the session of the options, the model asked for, and the report.

Every command reads the data through one `core.session.Session` at the given --order
(default 2, the lecture's bigram) and split, and asks it for counts, models, nets and
scores; a model file alone (`--load` without --data) needs no data at all. Bad input found
after parsing raises `UsageError`. No torch here: the session imports it inside its methods.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bigram_tui.core.defaults import DEFAULT_EPOCHS, DEFAULT_REG, DEFAULT_SEED, default_lr
from bigram_tui.core.display import abbreviated, shown_path
from bigram_tui.core.errors import OutOfVocabulary, TrainingDiverged
from bigram_tui.core.params import DEFAULT_ORDER, DEFAULT_SPLIT_SEED, format_split
from bigram_tui.core.session import Session, resolve_dataset

from . import output
from .errors import UsageError, write_output

if TYPE_CHECKING:
    from collections.abc import Callable

    from bigram_tui.core.session import NextTokenModel, SavedModel, Vocab

NO_SPLIT_SEED = "--split-seed shuffles a split; add --split, e.g. --split 80/10/10"
SPLIT_AND_FILES = (
    "--split and --dev/--test are exclusive: give the split's percentages or the pre-split "
    "files, not both"
)


def first_given(*values: Any) -> Any:
    return next(value for value in values if value is not None)


def data_path(args: argparse.Namespace) -> Path:
    return resolve_dataset(args.data if args.data is not None else args.app_data)


def diverged(exc: TrainingDiverged) -> UsageError:
    # λ's penalty can overflow on its own, so it is named when it is set.
    smaller = "--lr or --reg" if exc.reg > 0 else "--lr"
    return UsageError(f"{exc.describe()}; run again with a smaller {smaller}")


def emit(args: argparse.Namespace, report: Any, text_lines: Callable[[Any], list[str]]) -> None:
    write_output(output.render_json(report) if args.json else "\n".join(text_lines(report)))


def load_session(args: argparse.Namespace) -> Session:
    """The data of `args` at its order and split, with training set up from the options."""
    # The global --seed is the app's one seed; the CLI's training uses it the same way.
    seed = first_given(getattr(args, "train_seed", None), args.app_seed, DEFAULT_SEED)
    order = first_given(args.order, DEFAULT_ORDER)
    lr = first_given(getattr(args, "lr", None), default_lr(order))
    reg = first_given(getattr(args, "reg", None), DEFAULT_REG)
    files = check_files(args)
    if args.split is None and files is None:
        args.split = getattr(args, "default_split", None)  # tune's 80/10/10
    if args.split_seed is not None and args.split is None:
        raise UsageError(NO_SPLIT_SEED)
    dev, test = (None, None) if files is None else files
    return Session.load(
        data_path(args), seed, lr=lr, reg=reg, notebook_sum=False, order=order,
        split=args.split, split_seed=first_given(args.split_seed, DEFAULT_SPLIT_SEED),
        dev_path=dev, test_path=test, stream=args.stream,
    )  # fmt: skip


def check_files(args: argparse.Namespace) -> tuple[Path, Path] | None:
    """--dev and --test, which come together and never with --split; None without them."""
    if args.dev is None and args.test is None:
        return None
    if args.split is not None:
        raise UsageError(SPLIT_AND_FILES)
    if args.dev is None or args.test is None:
        given, missing = ("--dev", "--test") if args.test is None else ("--test", "--dev")
        raise UsageError(
            f"{given} needs {missing} too: pre-split files come as --dev PATH and --test PATH "
            "together (--data is then the training file)"
        )
    if args.split_seed is not None:
        raise UsageError("--split-seed shuffles a split; pre-split files are not shuffled, drop it")
    return Path(args.dev), Path(args.test)


def split_report(args: argparse.Namespace, session: Session | None) -> dict[str, Any] | None:
    """The split as asked for (the sizes may round differently from the percentages), or the
    pre-split files, by part."""
    if session is None:
        return None
    if session.files is not None:
        names = dict(zip(("train", "dev", "test"), map(str, session.files)))
        return {"percentages": None, "seed": None, "files": names,
                "words": session.part_words()}  # fmt: skip
    if args.split is None:
        return None
    seed = first_given(args.split_seed, DEFAULT_SPLIT_SEED)
    return {"percentages": format_split(args.split), "seed": seed, "files": None,
            "words": session.part_words()}  # fmt: skip


def check_words(words: list[str], vocab: Vocab) -> None:
    """Every word against `vocab`, before a net spends time training."""
    for word in words:
        if unknown := vocab.unknown_chars(word):
            chars = abbreviated("".join(vocab.chars))
            raise UsageError(
                f"cannot score {abbreviated(repr(word))}: "
                f"{OutOfVocabulary(word, unknown)}; "
                f"use words made of the data's characters {chars!r}"
            )


# --- the model of score and sample ------------------------------------------------------


def smoothing(args: argparse.Namespace) -> float:
    return 0.0 if args.smoothing is None else float(args.smoothing)


def counts_model(
    args: argparse.Namespace, session: Session
) -> tuple[NextTokenModel, dict[str, Any]]:
    """stats' model: add-k at --smoothing, or Kneser–Ney with --smoothing-method kn."""
    if args.smoothing_method == "kn":
        if args.smoothing is not None:
            raise UsageError("--smoothing is add-k's k; Kneser-Ney takes --discount D")
        return kn_model(args, session)
    if args.discount is not None:
        raise UsageError("--discount is Kneser-Ney's D; add --smoothing-method kn")
    k = smoothing(args)
    return session.model("counts", k), {"kind": "counts", "smoothing": k}


def model_kind(args: argparse.Namespace) -> str:
    """The model asked for, refusing options that would be silently ignored."""
    method, discount = getattr(args, "smoothing_method", None), getattr(args, "discount", None)
    kind: str = args.model or ("neural" if args.load is not None else "counts")
    if kind == "counts" and method == "kn":
        kind = "kn"  # Kneser–Ney is the counts model's other smoothing
    if kind == "kn" and method == "addk":
        raise UsageError("--model kn is Kneser-Ney, not add-k; drop --smoothing-method addk")
    if method is not None and kind not in ("counts", "kn"):
        raise UsageError(f"--smoothing-method applies to the counts model; drop it for {kind}")
    if discount is not None and kind != "kn":
        raise UsageError("--discount is Kneser-Ney's D; add --smoothing-method kn")
    if args.smoothing is not None and kind == "kn":
        raise UsageError(
            "--smoothing is add-k's k; Kneser-Ney takes --discount D (or drop "
            "--smoothing-method kn)"
        )
    training = [
        flag
        for flag, value in [
            ("--epochs", args.epochs),
            ("--lr", args.lr),
            ("--reg", args.reg),
            (args.train_seed_flag, args.train_seed),
            ("--net", args.net),
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


def kn_model(args: argparse.Namespace, session: Session) -> tuple[NextTokenModel, dict[str, Any]]:
    """Kneser–Ney at --discount, else at the D chosen on dev (0.75 without a dev part)."""
    discount = getattr(args, "discount", None)
    model = session.kn_model(discount)
    chosen_on_dev = discount is None and session.split is not None
    return model, {
        "kind": "kn",
        "discount": model.discount,
        "discount_chosen_on_dev": chosen_on_dev,
    }


def from_model_file(args: argparse.Namespace) -> bool:
    """--load without data: the file carries its vocabulary, so no data is read or counted.

    Data named by --data (or the top-level --data) is read, to refuse a model saved for
    other characters than it has; so is the default data when a split is asked for.
    """
    named_data = args.data is not None or args.app_data is not None
    wants_split = args.split is not None or args.split_seed is not None or args.stream
    wants_split = wants_split or args.dev is not None or args.test is not None
    return args.load is not None and not named_data and not wants_split


def read_model_file(args: argparse.Namespace) -> tuple[Session, SavedModel]:
    """The model file alone, and a session of its vocabulary that holds no data.

    Such a session answers only what needs no data (scores and samples of a model
    given to it): the file stands where the data would be, so that nothing is read.
    """
    saved = Session.read_model_file(args.load)
    check_order(args, saved)
    seed = first_given(args.app_seed, DEFAULT_SEED)
    return Session(Path(args.load), saved.vocab, seed, order=saved.order), saved


def check_order(args: argparse.Namespace, saved: SavedModel) -> None:
    """A --order other than the file's is refused: the net answers at its own order only."""
    if args.order is not None and args.order != saved.order:
        raise UsageError(
            f"{shown_path(args.load)} holds {saved.describe()}, not order {args.order}; "
            f"drop --order or use --order {saved.order}, or train again at order {args.order}"
        )


def saved_info(
    args: argparse.Namespace, saved: SavedModel, session: Session | None
) -> dict[str, Any]:
    return {
        "kind": "neural", "net": saved.kind, "order": saved.order,
        "split": split_report(args, session), "stream": session is not None and session.stream,
        "file": args.load, "epochs": saved.epoch,
        "lr": saved.lr, "reg": saved.reg, "seed": saved.seed,
        "parameters": saved.weights.numel(),
    }  # fmt: skip


def chosen_model(
    args: argparse.Namespace, kind: str, session: Session
) -> tuple[NextTokenModel, dict[str, Any]]:
    """The model of `kind` at the session's order, trained or loaded if it is a net; and
    its description for the report."""
    where = {"order": session.order, "split": split_report(args, session),
             "stream": session.stream}  # fmt: skip
    if kind == "kn":
        model, info = kn_model(args, session)
        return model, {**info, **where}
    if kind == "counts":
        k = smoothing(args)
        return session.model("counts", k), {"kind": "counts", "smoothing": k, **where}
    if kind == "uniform":
        return session.model("uniform"), {"kind": "uniform", **where}
    if args.load is not None:
        saved = session.restore(args.load)  # the session's order becomes the file's
        check_order(args, saved)
        return session.model("neural"), saved_info(args, saved, session)
    epochs = first_given(args.epochs, DEFAULT_EPOCHS)
    run = session.new_run(args.net or "table")
    try:
        session.train(epochs)
    except TrainingDiverged as exc:
        raise diverged(exc) from None
    info = {"kind": "neural", "net": run.kind, **where, "file": None, "epochs": epochs,
            "lr": run.lr, "reg": run.reg, "seed": run.seed,
            "parameters": run.parameters}  # fmt: skip
    return session.model("neural"), info
