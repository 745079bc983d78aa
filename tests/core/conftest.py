"""Fixtures for the n-gram core: names.txt's split and counts at each order, built once."""

from __future__ import annotations

import pytest

from .helpers import SMALL_CORPUS


@pytest.fixture(scope="session")
def name_split(names):
    from bigram_tui.core.split import split_words

    return split_words(names)


@pytest.fixture(scope="session")
def ngram_counts_of(names):
    from bigram_tui.core.counts import NgramCounts

    cache: dict[int, NgramCounts] = {}

    def counts(order: int) -> NgramCounts:
        if order not in cache:
            cache[order] = NgramCounts.from_words(names, order)
        return cache[order]

    return counts


@pytest.fixture(scope="session")
def split_counts_of(name_split):
    """(train, dev, test) counts at an order, all with the whole file's vocabulary."""
    from bigram_tui.core.counts import NgramCounts

    cache: dict[int, tuple[NgramCounts, NgramCounts, NgramCounts]] = {}

    def counts(order: int):
        if order not in cache:
            parts = (name_split.train, name_split.dev, name_split.test)
            cache[order] = tuple(
                NgramCounts.from_words(part, order, vocab=name_split.vocab) for part in parts
            )
        return cache[order]

    return counts


@pytest.fixture(scope="module")
def counts_of():
    """SMALL_CORPUS counted at an order, once per order and module."""
    from bigram_tui.core.counts import NgramCounts

    cache: dict[int, NgramCounts] = {}

    def counts(order: int) -> NgramCounts:
        if order not in cache:
            cache[order] = NgramCounts.from_words(SMALL_CORPUS, order)
        return cache[order]

    return counts
