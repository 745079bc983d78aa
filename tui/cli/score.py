"""`bigram-tui score WORD…`: each word as context → next steps, with P, log P and why −inf.

The same report at every order: the bigram's steps have a context of one token.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from . import output
from .common import (
    check_words,
    chosen_model,
    emit,
    from_model_file,
    load_session,
    model_kind,
    read_model_file,
    saved_info,
)
from .errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bigram_tui.core.session import NextTokenModel, WordScore


def word_record(scored: WordScore) -> dict[str, Any]:
    steps = [
        {"context": "".join(step.context), "next": step.next, "prob": step.prob,
         "log_prob": step.log_prob, "reason": step.reason}
        for step in scored.steps
    ]  # fmt: skip
    return {
        "word": scored.word,
        "steps": steps,
        "log_likelihood": scored.log_likelihood,
        "nll": scored.nll,
        "mean_nll": scored.mean_nll,
        "perplexity": scored.perplexity,
    }


def total_record(scores: Sequence[WordScore]) -> dict[str, Any]:
    """All the words together, as the lecture sums the log-likelihood over a list."""
    log_likelihood = math.fsum(scored.log_likelihood for scored in scores)
    examples = sum(len(scored.steps) for scored in scores)
    mean = -log_likelihood / examples
    return {
        "examples": examples,
        "log_likelihood": log_likelihood,
        "nll": -log_likelihood,
        "mean_nll": mean,
        "perplexity": math.exp(mean) if mean < 709 else math.inf,
    }


def run(args: argparse.Namespace) -> int:
    kind = model_kind(args)  # before reading the data: a bad combination fails at once
    for word in args.words:
        if not word.strip():
            # A word is a stripped line of the data, so the data never has an empty one.
            raise UsageError(
                f"cannot score {word!r}: a word needs at least one character other than "
                "white space; drop it or quote a real word"
            )
    model: NextTokenModel
    if from_model_file(args):
        session, saved = read_model_file(args)
        check_words(args.words, saved.vocab)
        model, info = saved.model(), saved_info(args, saved, None)
    else:
        session = load_session(args)
        check_words(args.words, session.vocab)
        model, info = chosen_model(args, kind, session)
    scores = session.score_words(args.words, model)
    report = {"model": info, "words": [word_record(s) for s in scores],
              "total": total_record(scores)}  # fmt: skip
    emit(args, report, output.score_lines)
    return EXIT_OK
