"""The λ sweep's partial results: every value up front, then each net's dev NLL as it ends,
so a front end can say n/20 from the start and draw each point as it comes (issue 18.17)."""

from __future__ import annotations

from bigram_tui.core.sweeps import lambda_grid, lambda_sweep


def test_the_sweep_reports_each_point_as_it_finishes(split_counts_of):
    train, dev, test = split_counts_of(2)
    lambdas = lambda_grid(3, 1e-3, 1.0)
    calls: list[tuple[tuple[float, ...], tuple[float, ...]]] = []
    sweep = lambda_sweep(train, dev, test, lambdas, partial=lambda ls, nll: calls.append((ls, nll)))
    assert [ls for ls, _ in calls] == [lambdas] * 4  # the total is known before any net
    assert [len(nll) for _, nll in calls] == [0, 1, 2, 3]
    assert calls[-1][1] == sweep.dev_nll
    assert calls[1][1] == sweep.dev_nll[:1]  # a point, once given, stays as it was
