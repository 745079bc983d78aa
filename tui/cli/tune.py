"""`bigram-tui tune`: k of the counts model and λ of the net, each chosen on dev, tested once."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from typing import TextIO

from bigram_tui.core.session import DISCOUNTS, Session, dataset_label

from . import output
from .common import emit, load_session, split_report
from .errors import EXIT_OK, UsageError


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class _SweepProgress:
    """On a terminal, the λ sweep's count of nets trained, the time it has taken and about
    how long is left, redrawn every second: a net at order 5 can take minutes, and a silent
    terminal looks hung. Erased when the sweep ends, so only the report remains."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.done, self.total = 0, 0
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._ticker = threading.Thread(target=self._tick, name="tune-progress", daemon=True)

    def __enter__(self) -> _SweepProgress:
        self._ticker.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._ticker.join()
        self._write("\r\x1b[K")

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self._draw()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            self._draw()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.started
        counted = f"{self.done}/{self.total}" if self.total else "the first of the"
        left = ""
        if 0 < self.done < self.total:
            left = f", about {_clock(elapsed / self.done * (self.total - self.done))} left"
        self._write(
            f"\r\x1b[Kλ sweep: {counted} nets trained to convergence, "
            f"{_clock(elapsed)} so far{left}"
        )

    def _write(self, text: str) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            self.stream.write(text)
            self.stream.flush()


NG_KS = (0.03, 0.1, 0.3, 1.0)  # NG's grid of k


def _grid_run(args: argparse.Namespace, session: Session) -> int:
    """NG's grid: --orders × --ks (or × --discounts with Kneser–Ney), best on dev, tested once."""
    method = args.smoothing_method or "addk"
    if method == "kn" and args.ks is not None:
        raise UsageError("--ks are add-k's; Kneser-Ney sweeps --discounts D,D,…")
    if method == "addk" and args.discounts is not None:
        raise UsageError("--discounts are Kneser-Ney's; add --smoothing-method kn")
    orders = args.orders or (session.order,)
    values = (args.discounts or DISCOUNTS) if method == "kn" else (args.ks or NG_KS)
    grid = session.grid(orders, values, method)
    cell_records = [
        {"order": c.order, "value": c.value, "train_nll": c.train_nll, "dev_nll": c.dev_nll,
         "train_perplexity": c.train_perplexity, "dev_perplexity": c.dev_perplexity}
        for c in grid.cells
    ]  # fmt: skip
    best = grid.best
    report = {
        "data": dataset_label(session.data_path),
        "split": split_report(args, session),
        "stream": session.stream,
        "grid": {
            "method": grid.method,
            "value": "discount" if method == "kn" else "k",
            "cells": cell_records,
            "best": {"order": best.order, "value": best.value, "dev_nll": best.dev_nll},
            "test_nll": grid.test_nll,
            "test_perplexity": grid.test_perplexity,
        },
    }
    emit(args, report, output.grid_lines)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    grid_asked = [args.orders, args.ks, args.discounts, args.smoothing_method]
    session = load_session(args)
    if any(option is not None for option in grid_asked):
        return _grid_run(args, session)
    ks = session.k_sweep()
    stream = sys.stderr
    if stream is not None and stream.isatty():
        with _SweepProgress(stream) as progress:
            lambdas = session.lambda_sweep(kind=args.net, progress=progress)
    else:
        lambdas = session.lambda_sweep(kind=args.net)
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
        "stream": session.stream,
        "k_sweep": k_report,
        "lambda_sweep": l_report,
        "matching_k": {"k": lambdas.nearest_k, "dev_nll": lambdas.nearest_k_dev_nll},
    }
    emit(args, report, output.tune_lines)
    return EXIT_OK
