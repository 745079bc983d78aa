"""Choosing k and λ on the dev set: models fitted on train, scored on dev, tested once.

The k sweep is one vectorised pass. Every dev example with the same (context, next) gets the
same log-probability, so the dev set is grouped into its distinct n-grams with counts m, and
for each group and every k at once

    log P = log(N(context, next) + k) − log(N(context) + k·V).

The λ sweep trains a net to convergence per λ, all from the same seed, and reports the k
whose counts model scores nearest on dev: the notebook's "λ is like fake counts", measured.
Both take an optional `progress(done, total)` callback and a `cancel` (a threading.Event)
polled between steps, so the app can run them in a thread worker.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .convergence import Cancel, train_to_convergence
from .counts import NgramCounts, NgramError
from .errors import SweepCancelled, TrainingCancelled
from .neural import TABLE, CountsObjective
from .rng import DEFAULT_SEED
from .scoring import perplexity, score_counts

Progress = Callable[[int, int], None]
# A sweep's results so far: every value it will try, and the dev NLL of those done, in order.
Partial = Callable[[tuple[float, ...], tuple[float, ...]], None]


def k_grid(points: int = 40, low: float = 1e-4, high: float = 100.0) -> tuple[float, ...]:
    """0, then points−1 log-spaced values from low to high."""
    if points < 2:
        raise ValueError(f"a k grid needs at least 2 points, got {points}")
    spaced = torch.logspace(math.log10(low), math.log10(high), points - 1, dtype=torch.float64)
    return (0.0, *spaced.tolist())


def lambda_grid(points: int = 20, low: float = 1e-4, high: float = 10.0) -> tuple[float, ...]:
    """points log-spaced values of λ from low to high (λ = 0 has no unique optimum)."""
    if points < 1:
        raise ValueError(f"a λ grid needs at least 1 point, got {points}")
    return tuple(
        torch.logspace(math.log10(low), math.log10(high), points, dtype=torch.float64).tolist()
    )


def _check_pair(train: NgramCounts, other: NgramCounts) -> None:
    if train.vocab != other.vocab or train.order != other.order:
        raise NgramError(
            "dev and test must be counted at the model's order with its vocabulary; "
            "pass vocab=train.vocab when counting them"
        )


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel.is_set():
        raise SweepCancelled("sweep cancelled")


def mean_nll_for_ks(train: NgramCounts, data: NgramCounts, ks: Sequence[float]) -> torch.Tensor:
    """The mean NLL of `data` under the counts model of `train` at every k, in one pass."""
    _check_pair(train, data)
    size = train.vocab.size
    pair_counts = train.lookup(data.ids).double().unsqueeze(1)
    rows = train.context_rows(data.ids.long() // size)
    totals = torch.where(rows >= 0, train.context_totals[rows.clamp_min(0)], 0)
    totals = totals.double().unsqueeze(1)
    k = torch.tensor(ks, dtype=torch.float64).unsqueeze(0)
    log_probs = (pair_counts + k).log() - (totals + k * size).log()
    # 0/0: a context never seen has no distribution at k=0.
    log_probs = torch.where((totals == 0) & (k == 0), -math.inf, log_probs)
    weights = data.counts.double().unsqueeze(1)
    return -(weights * log_probs).sum(dim=0) / data.total


class _Perplexities:
    """exp(mean NLL) beside every mean NLL a sweep reports."""

    dev_nll: tuple[float, ...]
    best_dev_nll: float
    test_nll: float | None

    @property
    def dev_perplexity(self) -> tuple[float, ...]:
        return tuple(perplexity(nll) for nll in self.dev_nll)

    @property
    def best_dev_perplexity(self) -> float:
        return perplexity(self.best_dev_nll)

    @property
    def test_perplexity(self) -> float | None:
        return None if self.test_nll is None else perplexity(self.test_nll)


@dataclass(frozen=True)
class KSweep(_Perplexities):
    ks: tuple[float, ...]
    dev_nll: tuple[float, ...]  # mean NLL on dev at each k
    best_k: float  # the first k of least dev NLL
    best_dev_nll: float
    test_nll: float | None  # mean NLL on test at best_k, if a test set was given


def k_sweep(
    train: NgramCounts,
    dev: NgramCounts,
    test: NgramCounts | None = None,
    ks: Sequence[float] | None = None,
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> KSweep:
    ks = k_grid() if ks is None else tuple(float(k) for k in ks)
    if not ks or any(not (math.isfinite(k) and k >= 0) for k in ks):
        raise ValueError("the k grid must be finite values ≥ 0")
    _check_cancel(cancel)
    dev_nll = mean_nll_for_ks(train, dev, ks)
    best = int(torch.argmin(dev_nll))  # argmin returns the first of equal minima
    test_nll = None
    if test is not None:
        _check_cancel(cancel)
        test_nll = float(mean_nll_for_ks(train, test, [ks[best]])[0])
    if progress is not None:
        progress(1, 1)
    return KSweep(ks, tuple(dev_nll.tolist()), ks[best], float(dev_nll[best]), test_nll)


def nearest_k(
    train: NgramCounts, dev: NgramCounts, target_nll: float, ks: Sequence[float] | None = None
) -> tuple[float, float]:
    """The k whose counts model has the dev NLL nearest `target_nll`, and that NLL.

    By default a fine grid of 0 and 400 log-spaced k from 1e-4 to 1e3, still one pass.
    """
    ks = k_grid(401, 1e-4, 1e3) if ks is None else tuple(ks)
    dev_nll = mean_nll_for_ks(train, dev, ks)
    best = int(torch.argmin((dev_nll - target_nll).abs()))
    return ks[best], float(dev_nll[best])


@dataclass(frozen=True)
class LambdaSweep(_Perplexities):
    kind: str
    lambdas: tuple[float, ...]
    dev_nll: tuple[float, ...]  # mean NLL on dev of the converged net at each λ
    train_loss: tuple[float, ...]  # the training objective it converged to, λ term included
    iterations: tuple[int, ...]
    converged: tuple[bool, ...]
    best_lambda: float
    best_dev_nll: float
    test_nll: float | None  # mean NLL on test at best_lambda
    nearest_k: float  # the counts model's k whose dev NLL is nearest best_dev_nll
    nearest_k_dev_nll: float


def lambda_sweep(
    train: NgramCounts,
    dev: NgramCounts,
    test: NgramCounts | None = None,
    lambdas: Sequence[float] | None = None,
    *,
    kind: str = TABLE,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    partial: Partial | None = None,
) -> LambdaSweep:
    """Train a net per λ to convergence (see core.convergence.train_to_convergence) on train.

    `partial(lambdas, dev_nll)` is called before the first net, with no dev NLL yet, and
    after each net, with the dev NLL of every net done so far: a front end draws each point
    as it comes."""
    _check_pair(train, dev)
    if test is not None:
        _check_pair(train, test)
    lambdas = lambda_grid() if lambdas is None else tuple(float(x) for x in lambdas)
    if not lambdas:
        raise ValueError("the λ grid is empty")
    objective = CountsObjective(train, kind)
    dev_nll, losses, iterations, converged, models = [], [], [], [], []
    if partial is not None:
        partial(lambdas, ())
    for done, reg in enumerate(lambdas):
        _check_cancel(cancel)
        try:
            net = train_to_convergence(objective, reg, seed=seed, cancel=cancel)
        except TrainingCancelled:
            raise SweepCancelled("sweep cancelled") from None
        dev_nll.append(score_counts(net.model, dev).mean_nll)
        losses.append(net.loss)
        iterations.append(net.iterations)
        converged.append(net.converged)
        models.append(net.model)
        if partial is not None:
            partial(lambdas, tuple(dev_nll))
        if progress is not None:
            progress(done + 1, len(lambdas))
    best = min(range(len(lambdas)), key=dev_nll.__getitem__)
    test_nll = None if test is None else score_counts(models[best], test).mean_nll
    k, k_nll = nearest_k(train, dev, dev_nll[best])
    return LambdaSweep(
        kind,
        lambdas,
        tuple(dev_nll),
        tuple(losses),
        tuple(iterations),
        tuple(converged),
        lambdas[best],
        dev_nll[best],
        test_nll,
        k,
        k_nll,
    )
