"""`bigram-tui tune`: k of the counts model and λ of the net, each chosen on dev, tested once."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from typing import TextIO

from bigram_tui.core.session import dataset_label

from . import output
from .common import emit, load_session, split_report
from .errors import EXIT_OK


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


def run(args: argparse.Namespace) -> int:
    session = load_session(args)
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
        "k_sweep": k_report,
        "lambda_sweep": l_report,
        "matching_k": {"k": lambdas.nearest_k, "dev_nll": lambdas.nearest_k_dev_nll},
    }
    emit(args, report, output.tune_lines)
    return EXIT_OK
