"""`bigram-tui tune`: k of the counts model and λ of the net, each chosen on dev, tested once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bigram_tui.core.session import dataset_label

from . import output
from .common import emit, load_session, split_report
from .errors import EXIT_OK


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


def run(args: argparse.Namespace) -> int:
    session = load_session(args)
    ks = session.k_sweep()
    lambdas = session.lambda_sweep(kind=args.net, progress=_sweep_progress())
    k_report = {"ks": ks.ks, "dev_nll": ks.dev_nll, "dev_perplexity": ks.dev_perplexity,
                "best_k": ks.best_k, "best_dev_nll": ks.best_dev_nll,
                "best_dev_perplexity": ks.best_dev_perplexity, "test_nll": ks.test_nll,
                "test_perplexity": ks.test_perplexity}  # fmt: skip
    l_report = {"net": lambdas.kind, "seed": session.seed, "lambdas": lambdas.lambdas,
                "dev_nll": lambdas.dev_nll, "dev_perplexity": lambdas.dev_perplexity,
                "converged": lambdas.converged, "iterations": lambdas.iterations,
                "best_lambda": lambdas.best_lambda, "best_dev_nll": lambdas.best_dev_nll,
                "best_dev_perplexity": lambdas.best_dev_perplexity, "test_nll": lambdas.test_nll,
                "test_perplexity": lambdas.test_perplexity}  # fmt: skip
    report = {
        "data": dataset_label(session.data_path),
        "order": session.order,
        "split": split_report(args, session),
        "k_sweep": k_report,
        "lambda_sweep": l_report,
        "matching_k": {"k": lambdas.nearest_k, "dev_nll": lambdas.nearest_k_dev_nll},
    }
    emit(args, report, output.tune_lines)
    return EXIT_OK
