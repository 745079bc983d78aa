"""Round three's figures (issues 19 and 20): each against a reference timed in the same run.

r3-count     counting names.txt at orders 2–6 against a numpy bincount of the same codes
r3-score     scoring dev + test at order 4 against the same bincount reference
r3-sample    1,000 names at order 4 against a plain-Python running-CDF loop on the same rows
r3-lambda    20 λ values to convergence at orders 4 and 5 (one net of each beside it)
r3-grid      NG's 12-cell order × k grid, and the Kneser–Ney D sweep at order 6
r3-cli       stats, score andrejq and sample -n 5, each against `import torch` alone
"""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bigram_tui.core.count_runs import ngram_ids
from bigram_tui.core.data import read_words
from bigram_tui.core.session import Session
from bigram_tui.core.vocab import Vocab

from .results import Row, median, seconds, time_fast, time_once, yes_no

SAMPLED = 1_000
GRID_ORDERS, GRID_KS = (3, 4, 5), (0.03, 0.1, 0.3, 1.0)


@dataclass(frozen=True)
class Settings:
    data: Path
    quick: bool
    workdir: Path

    @property
    def repeats(self) -> int:
        return 3 if self.quick else 7


def _session(settings: Settings) -> Session:
    return Session.load(settings.data, notebook_sum=False, split=(0.8, 0.1, 0.1))


def _bincount_reference(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a compiled counting loop does: a table of counts per base-V code (unique + counts)."""
    unique, counts = np.unique(codes, return_counts=True)
    return unique, counts


# --- counting and scoring ------------------------------------------------------------------


def _windows_of(codes: np.ndarray, size: int, order: int) -> torch.Tensor:
    """The base-V codes as windows (W, order) of token ids, oldest first."""
    columns, remaining = [], codes.copy()
    for _ in range(order):
        columns.append(remaining % size)
        remaining //= size
    return torch.from_numpy(np.stack(columns[::-1], axis=1))


def count_figure(settings: Settings) -> list[Row]:
    from bigram_tui.core.counts import NgramCounts

    words = read_words(settings.data)
    vocab = Vocab.from_words(words)
    rows = []
    for order in (2, 4, 6):
        codes = ngram_ids(words, vocab, order)  # the same tokens for both sides, untimed
        windows = _windows_of(codes, vocab.size, order)
        count = lambda w=windows: NgramCounts.from_windows(w, vocab, words=len(words))  # noqa: E731
        count()  # warm-up
        ours = median([time_fast(count, budget=0.3) for _ in range(settings.repeats)])
        reference = median(
            [time_fast(lambda c=codes: _bincount_reference(c), budget=0.3)
             for _ in range(settings.repeats)]
        )  # fmt: skip
        whole = time_fast(lambda o=order: NgramCounts.from_words(words, o, vocab), budget=0.3)
        ratio = ours / reference
        rows.append(
            Row(
                f"count the {order}-grams of {settings.data.name}",
                seconds(reference) + " (np.unique of codes)",
                seconds(ours),
                f"{ratio:.1f}× reference",
                "≤ 3× reference",
                yes_no(ratio <= 3),
                [
                    f"r3 count order {order}: NgramCounts.from_windows of the encoded tokens "
                    "against numpy's unique-with-counts of their codes (a compiled counting "
                    f"loop); from the words, encoding included, it takes {seconds(whole)}"
                ],
            )
        )
    return rows


def score_figure(settings: Settings) -> list[Row]:
    session = _session(settings)
    model = session.model("counts", 0.1, 4)
    parts = session.part_counts(4)
    dev_test = [parts["dev"], parts["test"]]
    from bigram_tui.core.scoring import score_counts

    for part in dev_test:
        score_counts(model, part)  # warm-up: the model's rows
    ours = median(
        [time_fast(lambda: [score_counts(model, p) for p in dev_test], budget=0.3)
         for _ in range(settings.repeats)]
    )  # fmt: skip
    words = list(session.split.dev + session.split.test)
    codes = ngram_ids(words, session.vocab, 4)
    reference = median(
        [time_fast(lambda: _bincount_reference(codes), budget=0.3)
         for _ in range(settings.repeats)]
    )  # fmt: skip
    ratio = ours / reference
    return [
        Row(
            "score dev + test at order 4",
            seconds(reference) + " (np.unique of codes)",
            seconds(ours),
            f"{ratio:.1f}× reference",
            "≤ 2× reference",
            yes_no(ratio <= 2),
            [
                "r3 score: score_counts of the order-4 counts model (k=0.1) on dev and test's "
                "counts, against counting the same examples' codes once (the least a scorer does)"
            ],
        )
    ]


# --- sampling --------------------------------------------------------------------------------


def _python_running_cdf(rows: dict[int, list[float]], unseen: list[float], itos: list[str],
                        span: int, n: int, seed: int) -> list[str]:  # fmt: skip
    """The reference: a plain-Python loop, running CDF per draw over precomputed rows, that
    makes each name's text as ours does."""
    rng = random.Random(seed)
    size = len(itos)
    names = []
    while len(names) < n:
        context, letters = 0, []
        while True:
            row = rows.get(context, unseen)
            u, running, chosen = rng.random(), 0.0, size - 1
            for i, p in enumerate(row):
                running += p
                if u <= running:
                    chosen = i
                    break
            if chosen == 0 or len(letters) >= 255:
                break
            letters.append(itos[chosen])
            context = (context * size + chosen) % span
        names.append("".join(letters))
    return names


def sample_figure(settings: Settings) -> list[Row]:
    session = Session.load(settings.data, notebook_sum=False)
    model = session.model("counts", 0.1, 4)
    session.sample(SAMPLED, model)  # warm-up: the rows, made once per model
    ours = median(
        [time_fast(lambda: session.sample(SAMPLED, model), budget=0.3)
         for _ in range(settings.repeats)]
    )  # fmt: skip
    known = model.known_contexts()
    rows = dict(zip(known.tolist(), model.next_probs(known).tolist(), strict=True))
    unseen = model.unseen_row().tolist()
    itos = list(session.vocab.itos)
    span = len(itos) ** 3
    reference = median(
        [time_once(lambda: _python_running_cdf(rows, unseen, itos, span, SAMPLED, 1))[0]
         for _ in range(settings.repeats)]
    )  # fmt: skip
    speedup = reference / ours
    return [
        Row(
            f"sample {SAMPLED:,} names at order 4 (in-process)",
            seconds(reference) + " (Python running CDF)",
            seconds(ours),
            f"{speedup:.1f}× faster",
            "≤ 20 ms and ≥ 5× faster",
            yes_no(ours <= 0.020 and speedup >= 5),
            [
                "r3 sample: Session.sample of the order-4 counts model (k=0.1), the rows made "
                "once per model, against a plain-Python running-CDF loop over the same rows "
                "precomputed as lists (random.random per draw), each name's text made"
            ],
        )
    ]


# --- λ sweeps --------------------------------------------------------------------------------


def lambda_figure(settings: Settings) -> list[Row]:
    from bigram_tui.core.convergence import train_to_convergence
    from bigram_tui.core.neural import TABLE, CountsObjective

    session = _session(settings)
    rows = []
    for order, goal in ((4, 3.0), (5, 10.0)):
        session.part_counts(order)  # counted once, not timed
        objective = CountsObjective(session.train_counts(order), TABLE)
        one_net = time_once(lambda o=objective: train_to_convergence(o, 0.01))[0]
        took, sweep = time_once(lambda o=order: session.lambda_sweep(order=o))
        converged = sum(sweep.converged)
        rows.append(
            Row(
                f"λ sweep, order {order} table net ({len(sweep.lambdas)} values)",
                seconds(one_net) + " (one net, λ=0.01)",
                seconds(took),
                f"{took / one_net:.1f}× one net",
                f"≤ {goal:g} s",
                yes_no(took <= goal and converged == len(sweep.lambdas)),
                [
                    f"r3 λ order {order}: damped Newton on every row at once, O(V) a row by "
                    f"Sherman–Morrison; {converged}/{len(sweep.lambdas)} converged; best λ "
                    f"{sweep.best_lambda:.3g}, dev {sweep.best_dev_nll:.6f}"
                ],
            )
        )
    return rows


# --- NG's grid and the D sweep ---------------------------------------------------------------


def grid_figure(settings: Settings) -> list[Row]:
    session = _session(settings)
    took, grid = time_once(lambda: session.grid(GRID_ORDERS, GRID_KS))
    one_cell = time_once(lambda: session.part_scores(session.model("counts", 0.1, 4)))[0]
    session.part_counts(6)
    d_took, _ = time_once(lambda: session.discount_sweep(order=6))
    return [
        Row(
            "order × k grid (12 cells), counting included",
            seconds(one_cell) + " (one cell scored)",
            seconds(took),
            f"{took / one_cell:.0f}× one cell",
            "≤ 2 s",
            yes_no(took <= 2.0),
            [
                f"r3 grid: session.grid({GRID_ORDERS}, {GRID_KS}) on the lecture split, in "
                f"process; best cell order {grid.best.order}, k {grid.best.value:g}: dev "
                f"{grid.best.dev_nll:.4f}, test {grid.test_nll:.4f}"
            ],
        ),
        Row(
            "Kneser–Ney D sweep at order 6 (4 values)",
            "—",
            seconds(d_took),
            "—",
            "measured",
            "—",
            [],
        ),
    ]


# --- the command line --------------------------------------------------------------------


def _wall(argv: list[str]) -> float:
    return time_once(lambda: subprocess.run(argv, capture_output=True, check=True))[0]


def cli_figure(settings: Settings) -> list[Row]:
    python = sys.executable
    torch_alone = [python, "-c", "import torch"]
    commands = {
        "stats": ["stats"],
        "score andrejq": ["score", "andrejq"],
        "sample -n 5": ["sample", "-n", "5"],
    }
    rows = []
    for label, args in commands.items():
        argv = [python, "-m", "bigram_tui.tui.cli.main", *args, "--data", str(settings.data)]
        reference, ours = [], []
        for _ in range(3 if settings.quick else 5):
            reference.append(_wall(torch_alone))
            ours.append(_wall(argv))
        extra = median(ours) - median(reference)
        rows.append(
            Row(
                f"bigram-tui {label}",
                seconds(median(reference)) + " (import torch)",
                seconds(median(ours)),
                f"+{seconds(extra)}",
                "≤ import torch + 0.3 s",
                yes_no(extra <= 0.3),
                [],
            )
        )
    return rows


FIGURES = {
    "r3-count": count_figure,
    "r3-score": score_figure,
    "r3-sample": sample_figure,
    "r3-lambda": lambda_figure,
    "r3-grid": grid_figure,
    "r3-cli": cli_figure,
}
NAMES = tuple(FIGURES)
_ = torch  # the figures time torch work; imported so its load is not charged to a figure
