"""Saving and loading a trained net of any order: table or linear.

A model file is `torch.save` of a plain dict (see `save_model`): strings, numbers,
lists and two tensors, the float64 weights and the table net's context ids. It says its
order, its kind of net and its vocabulary; format 1 (the lecture's bigram, before orders)
is read as the order-2 table net it is. Loading uses `torch.load(weights_only=True)`, whose
unpickler only rebuilds those plain types, so a crafted file cannot run code; every
field is then checked, so a file that is not ours fails with one clear line rather
than with a confusing error later on.

Saving goes through `core.files.atomic_write`: a temporary file beside the target,
fsynced and renamed over it, so a crash or a full disk leaves the old file or the new
one; what may be written (a regular file or a new path, through symlinks) is its rule.
"""

from __future__ import annotations

import math
import os
import stat
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from .counts import NgramCounts, NgramError
from .data import vocabulary_problem
from .display import abbreviated, shown_text
from .display import shown_path as _shown
from .errors import ModelFileError, SaveFailed
from .files import (
    WriteFailed,
    WriteRefused,
    atomic_write,
    check_target,
    describe_os_error,
    special_kind,
)
from .neural import TABLE, NeuralNgramModel, TrainingRun, check_kind
from .params import ParameterError, check_lr, check_order, check_reg, check_seed
from .vocab import Vocab

__all__ = [
    "FORMAT",
    "ModelFileError",
    "SavedModel",
    "check_fits",
    "load_model",
    "restore_run",
    "save_model",
]

FORMAT = "bigram-tui/neural/2"
_FORMAT_FAMILY = "bigram-tui/neural/"
_BIGRAM_FORMAT = "bigram-tui/neural/1"  # V×V weights of the order-2 table net, no order
_BIGRAM_KEYS = frozenset({"format", "chars", "weights", "epoch", "lr", "reg", "seed", "losses"})
_KEYS = _BIGRAM_KEYS | {"order", "kind", "contexts"}
_RETRAIN = "train again with `bigram-tui train --save PATH`"
# The largest net (core.neural.MAX_PARAMETERS) is 400 MB of float64, and a million epochs
# of losses 8 MB more: nothing of ours comes past this.
MAX_MODEL_BYTES = 512 << 20
# Quoted file content in a message is cut to this many characters.
_QUOTED = 60


@dataclass(frozen=True)
class SavedModel:
    """What a model file holds, checked: `weights` is float64 rows × vocab.size."""

    vocab: Vocab
    order: int
    kind: str
    weights: torch.Tensor
    contexts: torch.Tensor  # table: the context id of each row, sorted; linear: empty
    epoch: int  # epochs trained; equals len(losses)
    lr: float
    reg: float
    seed: int
    losses: tuple[float, ...]

    def model(self) -> NeuralNgramModel:
        return NeuralNgramModel(self.kind, self.vocab, self.order, self.weights, self.contexts)

    def describe(self) -> str:
        return f"a {self.kind} net of order {self.order}"


def _payload(run: TrainingRun) -> dict[str, object]:
    # TrainingRun updates weights and losses together under its private lock; read
    # without it, a save racing a step could pair them one epoch apart, so callers
    # pause training (the CLI saves after the last step) before saving.
    weights = run.weights.detach().to(torch.float64).clone().contiguous()
    losses = [float(loss) for loss in run.losses]
    contexts = run.counts.contexts if run.kind == TABLE else torch.zeros(0, dtype=torch.long)
    return {
        "format": FORMAT,
        "order": run.order,
        "kind": run.kind,
        "chars": list(run.vocab.chars),
        "weights": weights,
        "contexts": contexts.long().clone(),
        "epoch": len(losses),
        "lr": float(run.lr),
        "reg": float(run.reg),
        "seed": int(run.seed),
        "losses": losses,
    }


def _cannot_save(refused: WriteRefused) -> ModelFileError:
    error = SaveFailed if isinstance(refused, WriteFailed) else ModelFileError
    return error(
        f"cannot save the model to {_shown(refused.path)} ({refused.reason}); {refused.fix}"
    )


def check_model_path(
    path: str | os.PathLike[str], protect: str | os.PathLike[str] | None = None
) -> Path:
    """What `save_model(path, …, protect)` would write, or the ModelFileError it would raise."""
    try:
        return check_target(path, protect)
    except WriteRefused as refused:
        raise _cannot_save(refused) from None


def save_model(
    path: str | os.PathLike[str],
    run: TrainingRun,
    protect: str | os.PathLike[str] | None = None,
) -> Path:
    """Write `run` to `path` by `core.files.atomic_write`, never over `protect`.

    Raises ModelFileError (and leaves no temporary file behind) when the path is refused,
    the directory is missing or read-only, or the disk is full.
    """
    payload = _payload(run)
    try:
        return atomic_write(path, lambda stream: torch.save(payload, stream), protect)
    except WriteRefused as refused:
        raise _cannot_save(refused) from None
    except RuntimeError as exc:
        # torch's zip writer reports a failed write of the underlying file as RuntimeError.
        raise _cannot_save(WriteFailed(path, " ".join(str(exc).split()))) from None


# --- loading --------------------------------------------------------------------------


def _not_ours(path: str | os.PathLike[str], what: str) -> ModelFileError:
    return ModelFileError(
        f"{_shown(path)} is not a bigram-tui model file ({what}); "
        f"pass a file saved by bigram-tui, or {_RETRAIN}"
    )


def _check_expanded_size(path: str | os.PathLike[str], size: int) -> None:
    """Refuse a file, or a zip archive's contents, bigger than any model of ours could be:
    a few MB of deflated zeros would otherwise be unpacked into gigabytes by torch.load."""
    limit = f"a bigram-tui model is at most {MAX_MODEL_BYTES >> 20} MB"
    if size > MAX_MODEL_BYTES:
        raise _not_ours(path, f"it is {size / 2**20:,.0f} MB; {limit}")
    if not zipfile.is_zipfile(path):
        return  # torch.load says what else is wrong with it
    with zipfile.ZipFile(path) as archive:
        expanded = sum(entry.file_size for entry in archive.infolist())
    if expanded > MAX_MODEL_BYTES:
        raise _not_ours(path, f"it would expand to {expanded / 2**20:,.0f} MB; {limit}")


def _read_payload(path: str | os.PathLike[str]) -> object:
    name = _shown(path)
    if not os.path.exists(path):
        raise ModelFileError(f"{name}: no such model file; check the path, or {_RETRAIN}")
    if os.path.isdir(path):
        raise ModelFileError(f"{name} is a directory, not a model file; pass the file inside it")
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            # A FIFO would block torch.load and a device never ends: refused from the stat.
            raise ModelFileError(
                f"{name} is {special_kind(mode)}, not a model file; pass a file saved by bigram-tui"
            )
        size = os.path.getsize(path)
        if size == 0:
            raise _not_ours(path, "the file is empty")
        _check_expanded_size(path, size)
        with warnings.catch_warnings():
            # torch warns about the pickle protocol of some files; the checks below say
            # all there is to say, and the CLI must print nothing but its own lines.
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except ModelFileError:
        raise
    except OSError as exc:
        raise ModelFileError(
            f"cannot read {name} ({describe_os_error(exc)}); check its permissions"
        ) from None
    except Exception as exc:
        # torch.load raises a zoo of types for bad input (UnpicklingError, RuntimeError
        # from the zip reader, EOFError, ValueError, ...); all mean the same to the user.
        detail = " ".join(str(exc).split())
        lowered = detail.lower()
        if "legacy .tar format" in lowered:
            # torch's guess for any file that is neither a zip nor a pickle (all zeros,
            # say); the message mentions weights_only but no object was refused.
            what = "damaged, truncated or not a torch file"
        elif "weights only" in lowered or "weights_only" in lowered:
            what = "it holds Python objects other than plain data, and was not run"
        elif isinstance(exc, EOFError):
            what = "it ends too early: truncated"
        else:
            what = "damaged, truncated or not a torch file"
        raise _not_ours(path, what) from None


def _as_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:  # an int such as 10**400: no float holds it
        return math.inf


def _quoted(value: object) -> str:
    """What a file holds, for a message: escaped as any outside text, and cut short."""
    if isinstance(value, int) and not -(10**30) < value < 10**30:
        return "a number of over 30 digits"  # repr of a huge int is slow, or refused
    text = value if isinstance(value, str) else repr(value)
    return shown_text(
        repr(abbreviated(text, _QUOTED)) if isinstance(value, str) else text[:_QUOTED]
    )


def _check_vocab(payload: dict[str, object], path: str | os.PathLike[str]) -> Vocab:
    chars = payload["chars"]
    if not (isinstance(chars, list) and all(isinstance(ch, str) and len(ch) == 1 for ch in chars)):
        raise _not_ours(path, "'chars' is not a list of single characters")
    # The rules of a word list, so that a file cannot put what data may not on the screen.
    problem = vocabulary_problem("".join(chars))
    if problem is not None:
        # The word list's way out (edit the file) is not a model file's: only the reason.
        raise _not_ours(path, f"its vocabulary {problem.split(';')[0]}")
    try:
        return Vocab(tuple(chars))
    except ValueError as exc:
        raise _not_ours(path, f"bad vocabulary: {exc}") from None


def _check_weights(
    payload: dict[str, object], rows: int | None, size: int, path: str | os.PathLike[str]
) -> torch.Tensor:
    """`rows` None: any number of rows (the table net's follow its contexts)."""
    weights = payload["weights"]
    if not isinstance(weights, torch.Tensor) or weights.layout != torch.strided:
        raise _not_ours(path, "'weights' is not a dense tensor")
    if weights.device.type != "cpu":  # a 'meta' tensor has a shape but no numbers
        raise _not_ours(path, f"'weights' are on the {weights.device.type} device, not the CPU")
    if weights.dtype != torch.float64:
        raise _not_ours(path, f"'weights' are {weights.dtype}, not torch.float64")
    if weights.dim() != 2 or weights.shape[1] != size or rows not in (None, weights.shape[0]):
        shape = "×".join(map(str, weights.shape)) or "a scalar"
        wanted = f"{'N' if rows is None else rows}×{size}"
        raise _not_ours(path, f"'weights' are {shape}, not {wanted} for its vocabulary")
    if not bool(torch.isfinite(weights).all()):
        raise _not_ours(path, "'weights' contain NaN or infinity")
    return weights.contiguous()


def _check_training_record(
    payload: dict[str, object], path: str | os.PathLike[str]
) -> tuple[int, float, float, int, tuple[float, ...]]:
    epoch, seed, losses = payload["epoch"], payload["seed"], payload["losses"]
    if not all(isinstance(payload[key], int | float) for key in ("lr", "reg")):
        raise _not_ours(path, "'lr' and 'reg' must be numbers")
    try:
        lr, reg = check_lr(payload["lr"]), check_reg(payload["reg"])
        seed = check_seed(seed)
    except ParameterError as exc:
        raise _not_ours(path, str(exc)) from None
    if not isinstance(losses, list):
        raise _not_ours(path, "'losses' is not a list")
    loss_values: list[float] = []
    for loss in losses:
        value = _as_float(loss)
        if value is None or not math.isfinite(value):
            raise _not_ours(path, "'losses' must be finite numbers")
        loss_values.append(value)
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch != len(losses):
        raise _not_ours(
            path, f"'epoch' {_quoted(epoch)} does not match {len(losses)} recorded losses"
        )
    return epoch, lr, reg, seed, tuple(loss_values)


def _abbreviated(chars: str) -> str:
    return repr(abbreviated(chars, limit=40))


def _describe_vocab(vocab: Vocab) -> str:
    # Shown in index order, '.' first, so the count matches the characters shown.
    chars = _abbreviated("".join(vocab.itos))
    article = "an" if str(vocab.size).startswith("8") or vocab.size in (11, 18) else "a"
    return f"{article} {vocab.size}-character vocabulary {chars}"


def vocab_mismatch(saved: Vocab, data: Vocab, where: str = "the model") -> ModelFileError:
    """The error for a model trained on other characters than the data at hand has."""
    differences = []
    extra = sorted(set(data.chars) - set(saved.chars))
    missing = sorted(set(saved.chars) - set(data.chars))
    if extra:
        differences.append(f"the data adds {_abbreviated(''.join(extra))}")
    if missing:
        differences.append(f"lacks {_abbreviated(''.join(missing))}")
    return ModelFileError(
        f"{where} was saved for {_describe_vocab(saved)}, the data has {_describe_vocab(data)} "
        f"({', '.join(differences)}); train again on this data"
    )


def load_model(path: str | os.PathLike[str], vocab: Vocab | None = None) -> SavedModel:
    """Read and check a model file written by `save_model`.

    With `vocab`, the saved vocabulary must equal it: weights index characters by
    position, so a model of other characters would silently score the wrong ones.
    """
    payload = _read_payload(path)
    if not isinstance(payload, dict):
        raise _not_ours(path, f"it holds a {type(payload).__name__}, not a dict")
    tag = payload.get("format")
    known = (FORMAT, _BIGRAM_FORMAT)
    if isinstance(tag, str) and tag.startswith(_FORMAT_FAMILY) and tag not in known:
        raise ModelFileError(
            f"{_shown(path)} has format {_quoted(tag)}, which this version cannot read "
            f"(it reads {FORMAT!r}); upgrade bigram-tui, or {_RETRAIN}"
        )
    if tag is None:
        raise _not_ours(path, "it has no format tag")
    if tag not in known:
        raise _not_ours(path, f"its format tag is {_quoted(tag)}, not {FORMAT!r}")
    keys = _KEYS if tag == FORMAT else _BIGRAM_KEYS
    if set(payload) != keys:
        missing = ", ".join(sorted(keys - set(payload))) or "none"
        unexpected = _quoted(", ".join(sorted(map(str, set(payload) - keys))) or "none")
        raise _not_ours(path, f"missing keys: {missing}; unexpected keys: {unexpected}")
    saved_vocab = _check_vocab(payload, path)
    if tag == FORMAT:
        order, kind, contexts = _check_net(payload, saved_vocab.size, path)
        rows = None if kind == TABLE else (order - 1) * saved_vocab.size
        weights = _check_weights(payload, rows, saved_vocab.size, path)
        if kind == TABLE and len(contexts) != len(weights):
            raise _not_ours(
                path, f"{len(weights):,} rows of weights for {len(contexts):,} contexts"
            )
    else:
        order, kind = 2, TABLE
        weights = _check_weights(payload, saved_vocab.size, saved_vocab.size, path)
        contexts = torch.arange(saved_vocab.size)
    epoch, lr, reg, seed, losses = _check_training_record(payload, path)
    if vocab is not None and vocab != saved_vocab:
        raise vocab_mismatch(saved_vocab, vocab, where=_shown(path))
    return SavedModel(saved_vocab, order, kind, weights, contexts, epoch, lr, reg, seed, losses)


def _check_net(
    payload: dict[str, object], size: int, path: str | os.PathLike[str]
) -> tuple[int, str, torch.Tensor]:
    order, kind, contexts = payload["order"], payload["kind"], payload["contexts"]
    try:
        if isinstance(order, bool) or not isinstance(order, int):
            raise ParameterError("order", f"must be a whole number, got {_quoted(order)}")
        order = check_order(order)
        if not isinstance(kind, str):
            raise ParameterError("kind", f"must be a net's name, got {_quoted(kind)}")
        kind = check_kind(kind, order) if len(kind) <= 10 else check_kind(_quoted(kind), order)
    except (ParameterError, NgramError) as exc:
        raise _not_ours(path, str(exc)) from None
    if not isinstance(contexts, torch.Tensor) or contexts.layout != torch.strided:
        raise _not_ours(path, "'contexts' is not a dense tensor")
    if contexts.device.type != "cpu" or contexts.dtype != torch.int64 or contexts.dim() != 1:
        raise _not_ours(path, "'contexts' is not a list of int64 context ids")
    span = size ** (order - 1)
    ordered = bool((contexts[1:] > contexts[:-1]).all())
    if len(contexts) and (not ordered or int(contexts[0]) < 0 or int(contexts[-1]) >= span):
        raise _not_ours(path, "'contexts' are not sorted ids of its vocabulary's contexts")
    if kind != TABLE and len(contexts):
        raise _not_ours(path, f"a {kind} net has no 'contexts'")
    return order, kind, contexts.clone()


def check_fits(saved: SavedModel, order: int, vocab: Vocab, path: str | os.PathLike[str]) -> None:
    """Refuse, in one line, a model of another order or vocabulary than the data at hand."""
    if vocab != saved.vocab:
        raise vocab_mismatch(saved.vocab, vocab, where=_shown(path))
    if order != saved.order:
        raise ModelFileError(
            f"{_shown(path)} holds {saved.describe()}, not order {order}; "
            f"use --order {saved.order}, or {_RETRAIN} --order {order}"
        )


def restore_run(counts: NgramCounts, saved: SavedModel) -> TrainingRun:
    """A TrainingRun on `counts` that continues where the saved one stopped."""
    if counts.vocab != saved.vocab:
        raise vocab_mismatch(saved.vocab, counts.vocab)
    if counts.order != saved.order:
        raise ModelFileError(f"the model is {saved.describe()}, the data is counted at order "
                             f"{counts.order}; train again at this order")  # fmt: skip
    if saved.kind == TABLE and not torch.equal(counts.contexts, saved.contexts):
        raise ModelFileError(
            f"the model's table has rows for {len(saved.contexts):,} contexts, this data has "
            f"{len(counts.contexts):,} others; train again on this data"
        )
    run = TrainingRun(counts, saved.kind, seed=saved.seed, lr=saved.lr, reg=saved.reg)
    # TrainingRun replaces these attributes wholesale on every step, so assigning
    # fresh objects here is what a step would do.
    run.weights = saved.weights.clone()
    run.losses = list(saved.losses)
    return run
