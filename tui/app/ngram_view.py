"""The app's one bridge to the n-gram core: counts of any order, their models and scores.

Everything is cached per session and per order, so an order the user comes back to costs
nothing. `counts` is the one slow call (the session counts the order once for every pane):
call it from a thread worker, and `counted` on the UI thread to ask whether it is there yet.
torch is imported lazily, inside the methods, as everywhere the app reaches the core before
torch loads.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bigram_tui.core.ngram_counts import CountSlice, NgramCounts
    from bigram_tui.core.ngram_model import NgramModel, NgramScore, NgramWordScore
    from bigram_tui.core.session import Session

ORDER_NAMES = {1: "unigram", 2: "bigram", 3: "trigram", 4: "4-gram", 5: "5-gram"}


class NgramSource:
    """The n-gram counts of one session's data, counted once per order."""

    def __init__(self, session: Session) -> None:
        # A weak reference: the cache must not keep a session alive.
        self._session = weakref.ref(session)
        self._lock = threading.Lock()  # two panes asking for one order count it once
        self._counts: dict[int, NgramCounts] = {}
        self._prefixes: dict[int, list[tuple[str, ...]]] = {}
        self._models: dict[tuple[int, float], NgramModel] = {}
        self._scores: dict[tuple[int, float], NgramScore] = {}

    def counted(self, order: int) -> NgramCounts | None:
        """The counts at `order` if they are ready, else None (never blocks)."""
        return self._counts.get(order)

    def counts(self, order: int) -> NgramCounts:
        """The counts at `order`; the first call per order reads the data (use a worker)."""
        with self._lock:
            if order not in self._counts:
                session = self._session()
                assert session is not None, "the session outlived by its n-gram cache"
                self._counts[order] = session.ngram_counts(order)
            return self._counts[order]

    def prefixes(self, order: int) -> list[tuple[str, ...]]:
        """The observed context prefixes (all but the last context token), sorted."""
        if order not in self._prefixes:
            import torch

            counts = self._counts[order]
            ids = torch.unique_consecutive(counts.contexts // counts.size).tolist()
            self._prefixes[order] = [counts.decode_tokens(i, order - 2) for i in ids]
        return self._prefixes[order]

    def count_slice(self, order: int, prefix: tuple[str, ...]) -> CountSlice:
        return self._counts[order].count_slice(prefix)

    def model(self, order: int, k: float) -> NgramModel:
        if (order, k) not in self._models:
            from bigram_tui.core.ngram_model import NgramModel

            self._models[order, k] = NgramModel(self._counts[order], k)
        return self._models[order, k]

    def score_word(self, order: int, k: float, word: str) -> NgramWordScore:
        from bigram_tui.core.ngram_model import score_word

        return score_word(self.model(order, k), word)

    def dataset_score(self, order: int, k: float) -> NgramScore:
        """The whole data scored by the counts model of `order` fitted on it."""
        if (order, k) not in self._scores:
            from bigram_tui.core.ngram_model import score_counts

            self._scores[order, k] = score_counts(self.model(order, k), self._counts[order])
        return self._scores[order, k]


_sources: dict[int, NgramSource] = {}


def source_for(session: Session) -> NgramSource:
    """The one NgramSource of `session`, shared by every pane."""
    key = id(session)
    if key not in _sources:
        _sources[key] = NgramSource(session)
        # A Session is unhashable (a dataclass), so the cache is keyed by id and emptied with it.
        weakref.finalize(session, _sources.pop, key, None)
    return _sources[key]
