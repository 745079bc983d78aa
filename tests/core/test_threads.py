"""core.threads: one thread for small work, the pool only for big work, and restored after."""

from __future__ import annotations

import torch

from bigram_tui.core import threads
from bigram_tui.core.neural import LINEAR, TABLE, CountsObjective
from bigram_tui.core.threads import PARALLEL_FROM, threads_for, threads_for_numbers


def test_the_rule_gives_the_pool_only_to_big_work():
    assert threads_for_numbers(PARALLEL_FROM - 1, 8) == 1
    assert threads_for_numbers(PARALLEL_FROM, 8) == 8
    assert threads_for_numbers(PARALLEL_FROM, 1) == 1


def test_threads_for_sets_the_rule_and_restores_the_setting(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(threads, "_available", 2)
    torch.set_num_threads(1)
    try:
        with threads_for(PARALLEL_FROM):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        with threads_for(10):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_settle_threads_keeps_cores_for_the_ui(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 4)
    try:
        threads.settle_threads(spare_cores=1)
        assert torch.get_num_threads() == 1
        assert threads._available == 3
        threads.settle_threads(spare_cores=9)
        assert threads._available == 1
    finally:
        threads.settle_threads()
        torch.set_num_threads(before)


def test_only_the_table_net_counts_as_big_work(ngram_counts_of):
    counts = ngram_counts_of(4)
    assert CountsObjective(counts, TABLE).numbers == len(counts.contexts) * counts.vocab.size
    assert CountsObjective(counts, LINEAR).numbers == 0
