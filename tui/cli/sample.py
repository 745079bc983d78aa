"""`bigram-tui sample`: names drawn from a model, each with where it comes from, and with
--trace a record of every draw (the same fields at every order).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from bigram_tui.core.defaults import DEFAULT_MAX_LENGTH, DEFAULT_SEED

from . import output
from .common import (
    chosen_model,
    emit,
    first_given,
    from_model_file,
    load_session,
    model_kind,
    read_model_file,
    saved_info,
)
from .errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bigram_tui.core.session import Draw, NextTokenModel, SampledName, Sampler

DEFAULT_NAMES = 20
DEFAULT_CHARS = 200  # NG's sample
MAX_TRACED_NAMES = 10_000  # a trace keeps a record of every draw of every name
# Numbers a trace may hold before it is printed: a torch draw records one uniform per token,
# so a wide vocabulary and a long --max-length made one name cost 81 MB. About 160 MB.
MAX_TRACE_NUMBERS = 4_000_000
# Where a sampled name comes from, said once in the report.
ORIGINS_WITH_SPLIT = "train: a training word; dev/test: only a held-out word; new: in no part"
ORIGINS_WHOLE = "train: a word of the data; new: not in the data"


def name_record(name: SampledName, draws: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {"name": name.text, "cut": name.cut, "origin": None}
    if draws is not None:
        record["draws"] = draws
    return record


def draw_record(draw: Draw, itos: Sequence[str]) -> dict[str, Any]:
    """What decided one draw: classic places u in an interval of the CDF; torch races."""
    chosen = draw.chosen
    p = float(draw.probs[chosen])
    record: dict[str, Any] = {
        "context": "".join(itos[i] for i in draw.context),
        "next": itos[chosen],
        "p": p,  # what the draw used, after temperature and top-k
        "p_model": float(draw.original[chosen]),
    }
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


def traced_names(sampler: Sampler, count: int) -> list[dict[str, Any]]:
    """`count` names with a record of each draw, refused once the trace outgrows its bound."""
    itos = sampler.model.vocab.itos
    names: list[dict[str, Any]] = []
    numbers = 0
    for _ in range(count):
        draws, name = sampler.finish_name()
        records = [draw_record(draw, itos) for draw in draws]
        numbers += sum(5 + len(record.get("uniforms", ())) for record in records)
        if numbers > MAX_TRACE_NUMBERS:
            raise UsageError(
                f"--trace would hold over {MAX_TRACE_NUMBERS:,} numbers by name "
                f"{len(names) + 1:,}; lower -n or --max-length, use --sampler classic, "
                "or drop --trace"
            )
        names.append(name_record(name, records))
    return names


def _check_xorshift(args: argparse.Namespace) -> None:
    """NG's draw has one coin per character and no shaping: refuse what it would ignore."""
    if args.rng != "xorshift":
        if args.chars is not None:
            raise UsageError("--chars counts the characters of --rng xorshift; add --rng xorshift")
        return
    ignored = [
        ("-n", args.count is not None),
        ("--trace", args.trace),
        ("--temperature", args.temperature is not None),
        ("--top-k", args.top_k is not None),
        ("--sampler torch", args.sampler != "classic"),
        ("--max-length", args.max_length != DEFAULT_MAX_LENGTH),
    ]
    for flag, given in ignored:
        if given:
            raise UsageError(
                f"{flag} does not apply to --rng xorshift, which draws --chars characters "
                f"by NG's running sum; drop {flag.split()[0]}"
            )


def _xorshift_run(args: argparse.Namespace, kind: str, seed: int) -> int:
    """NG's sample: --chars characters from xorshift64*, printed as they come."""
    model: NextTokenModel
    if from_model_file(args):
        session, saved = read_model_file(args)
        model, info = saved.model(), saved_info(args, saved, None)
    else:
        session = load_session(args)
        model, info = chosen_model(args, kind, session)
    chars = first_given(args.chars, DEFAULT_CHARS)
    text = session.sample_chars(chars, model, seed=seed)
    report = {"model": info, "rng": "xorshift", "seed": seed, "chars": chars, "text": text}
    emit(args, report, output.xorshift_lines)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    kind = model_kind(args)
    _check_xorshift(args)
    seed = first_given(args.seed, args.app_seed, DEFAULT_SEED)
    if args.rng == "xorshift":
        return _xorshift_run(args, kind, seed)
    args.count = first_given(args.count, DEFAULT_NAMES)
    if args.trace and args.count > MAX_TRACED_NAMES:
        raise UsageError(
            f"--trace records every draw: at most {MAX_TRACED_NAMES:,} names, "
            f"not {args.count:,}; lower -n or drop --trace"
        )
    temperature = first_given(args.temperature, 1.0)
    settings = {"temperature": temperature, "top_k": args.top_k, "algorithm": args.sampler,
                "seed": seed, "max_length": args.max_length}  # fmt: skip
    model: NextTokenModel
    alone = from_model_file(args)
    if alone:
        session, saved = read_model_file(args)
        model, info = saved.model(), saved_info(args, saved, None)
    else:
        session = load_session(args)
        model, info = chosen_model(args, kind, session)
    if args.trace:
        # Step by step, to see each draw; bit-identical to the batch below.
        names = traced_names(session.sampler(model, **settings), args.count)
    else:
        names = [name_record(name) for name in session.sample(args.count, model, **settings)]
    origins = None
    if not alone:  # where a name comes from is a question for the data
        origins = ORIGINS_WHOLE if session.split is None else ORIGINS_WITH_SPLIT
        for record, origin in zip(names, session.classify([n["name"] for n in names])):
            record["origin"] = origin
    report = {"model": info, "rng": "torch", "sampler": args.sampler, "seed": seed,
              "max_length": args.max_length, "temperature": temperature, "top_k": args.top_k,
              "trace": args.trace, "origins": origins, "names": names}  # fmt: skip
    emit(args, report, output.sample_lines)
    return EXIT_OK
