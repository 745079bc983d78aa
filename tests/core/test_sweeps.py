"""k and λ sweeps on names.txt's dev set: one vectorised pass, best values, cancel, progress."""

from __future__ import annotations

import itertools
import math
import threading

import pytest

from bigram_tui.core.model import NgramModel
from bigram_tui.core.neural import LINEAR, TABLE
from bigram_tui.core.scoring import score_counts
from bigram_tui.core.sweeps import (
    SweepCancelled,
    k_grid,
    k_sweep,
    lambda_grid,
    lambda_sweep,
    mean_nll_for_ks,
    nearest_k,
)


def test_k_grid_is_log_spaced_and_starts_at_zero():
    ks = k_grid()
    assert len(ks) == 40 and ks[0] == 0.0
    ratios = [b / a for a, b in itertools.pairwise(ks[1:])]
    assert max(ratios) == pytest.approx(min(ratios))


@pytest.mark.parametrize("order", [2, 3, 4])
def test_vectorised_pass_equals_scoring_each_k(split_counts_of, order):
    train, dev, _ = split_counts_of(order)
    ks = k_grid(12)
    swept = mean_nll_for_ks(train, dev, ks).tolist()
    for k, nll in zip(ks, swept):
        expected = score_counts(NgramModel(train, k), dev).mean_nll
        assert (
            nll == pytest.approx(expected, rel=1e-12)
            if math.isfinite(expected)
            else nll == expected
        )


def test_k_sweep_on_the_trigram(split_counts_of):
    train, dev, test = split_counts_of(3)
    sweep = k_sweep(train, dev, test)
    assert sweep.dev_nll[0] == math.inf  # k=0: dev has trigrams train never shows
    assert 0 < sweep.best_k < 1
    assert sweep.best_dev_nll == min(sweep.dev_nll) < 2.2225  # better than k=0.1
    best = score_counts(NgramModel(train, sweep.best_k), test).mean_nll
    assert sweep.test_nll == pytest.approx(best, rel=1e-12)
    assert sweep.best_dev_perplexity == pytest.approx(math.exp(sweep.best_dev_nll))


def test_k_sweep_reports_progress_and_can_be_cancelled(split_counts_of):
    train, dev, _ = split_counts_of(2)
    calls = []
    k_sweep(train, dev, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SweepCancelled):
        k_sweep(train, dev, cancel=cancel)


def test_lambda_sweep_of_the_bigram_net(split_counts_of):
    train, dev, test = split_counts_of(2)
    calls = []
    sweep = lambda_sweep(train, dev, test, progress=lambda d, t: calls.append((d, t)))
    assert len(sweep.lambdas) == 20 and calls[-1] == (20, 20) and len(calls) == 20
    assert all(sweep.converged)
    # More regularisation always costs on train: losses rise with λ.
    assert list(sweep.train_loss) == sorted(sweep.train_loss)
    assert sweep.best_dev_nll == min(sweep.dev_nll)
    assert sweep.dev_nll[-1] > 2.9  # λ = 10 pushes the net towards uniform
    # The counts model's k with the nearest dev NLL is a fake count of the order of 1.
    assert 0.01 < sweep.nearest_k < 10
    assert sweep.nearest_k_dev_nll == pytest.approx(sweep.best_dev_nll, abs=1e-3)
    assert sweep.test_nll is not None and sweep.test_nll == pytest.approx(2.458, abs=2e-3)


def test_table_and_linear_nets_agree_at_order_2(split_counts_of):
    train, dev, _ = split_counts_of(2)
    lambdas = lambda_grid(3, 1e-3, 1.0)
    table = lambda_sweep(train, dev, lambdas=lambdas, kind=TABLE)
    linear = lambda_sweep(train, dev, lambdas=lambdas, kind=LINEAR)
    assert table.dev_nll == pytest.approx(linear.dev_nll, abs=1e-6)


def test_lambda_sweep_can_be_cancelled_midway(split_counts_of):
    train, dev, _ = split_counts_of(2)
    cancel = threading.Event()

    def progress(done, total):
        if done == 2:
            cancel.set()

    with pytest.raises(SweepCancelled):
        lambda_sweep(train, dev, progress=progress, cancel=cancel)


def test_nearest_k_finds_a_k_of_a_given_dev_nll(split_counts_of):
    train, dev, _ = split_counts_of(2)
    target = score_counts(NgramModel(train, 3.0), dev).mean_nll
    k, nll = nearest_k(train, dev, target)
    assert k == pytest.approx(3.0, rel=0.1)
    assert nll == pytest.approx(target, abs=1e-4)
