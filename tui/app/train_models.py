"""The Train pane's one bridge to the n-gram nets, the split and model files.

Everything here is reached through the session, so the lead can later point it at the
session's own n-gram methods. torch-using imports stay inside the functions: the app
imports this module before torch has loaded.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bigram_tui.core.defaults import DEFAULT_ORDER

if TYPE_CHECKING:
    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.ngram_counts import NgramCounts
    from bigram_tui.core.persist import SavedModel
    from bigram_tui.core.session import Session

TABLE, LINEAR = "table", "linear"  # core.ngram_neural's names, without importing torch
NET_KINDS = (TABLE, LINEAR)


@dataclass(frozen=True)
class RunSetup:
    """What the pane trains: the net of `order` of `kind`, on all the data or on the split."""

    order: int = DEFAULT_ORDER
    kind: str = TABLE
    split: bool = False

    @property
    def is_lecture(self) -> bool:
        """The lecture's own net: then the session's run is trained, saved and loaded."""
        return (self.order, self.kind, self.split) == (2, TABLE, False)

    def describe(self) -> str:
        data = "train split" if self.split else "all words"
        return f"order {self.order} {self.kind} net, {data}"


def run_label(run: TrainingRun) -> str:
    """A run's name in the plot's legend: its lr and λ."""
    return f"lr {run.lr:g}, λ {run.reg:g}"


def dev_losses(run: TrainingRun) -> list[float]:
    """The dev loss per epoch of a run trained on the split (none otherwise)."""
    return getattr(run, "dev_losses", [])


def weight_count(counts: NgramCounts, kind: str) -> int:
    from bigram_tui.core.ngram_neural import weight_rows

    return weight_rows(counts, kind) * counts.vocab.size


class TrainModels:
    """Builds the pane's runs and floors from a session, on the counts the session keeps."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def counts(self, setup: RunSetup) -> tuple[NgramCounts, NgramCounts | None]:
        """The counts training reads, and the dev counts it is scored on (with a split).

        Both are the session's, counted once for every pane (and thread-safe there).
        """
        if setup.split:
            train, dev, _ = self.session.evaluation().counts(setup.order)
            return train, dev
        return self.session.ngram_counts(setup.order), None

    def check(self, setup: RunSetup) -> None:
        """Raises core's NgramError (one line) for a net that cannot be built."""
        from bigram_tui.core.ngram_neural import check_kind

        check_kind(setup.kind, setup.order)

    def build(self, setup: RunSetup, lr: float, reg: float) -> TrainingRun:
        """The run to train for `setup`: the session's own for the lecture's net."""
        if setup.is_lecture:
            return self.session.run
        self.check(setup)
        train, dev = self.counts(setup)
        run_class = _dev_run_class()
        return run_class(train, setup.kind, dev, seed=self.session.run.seed, lr=lr, reg=reg)

    def floor(self, setup: RunSetup) -> float:
        """The counts model's NLL (k=0) on the data training reads, at the same order."""
        if setup.is_lecture:
            return self.session.dataset_score(0).mean_nll
        from bigram_tui.core.ngram_model import NgramModel, score_counts

        train, _ = self.counts(setup)
        return score_counts(NgramModel(train, 0.0), train).mean_nll

    def weight_counts(self, setup: RunSetup) -> dict[str, int]:
        """How many weights each net of `setup`'s order has (the linear one needs a context)."""
        train, _ = self.counts(setup)
        kinds = NET_KINDS if setup.order >= 2 else (TABLE,)
        return {kind: weight_count(train, kind) for kind in kinds}

    # --- model files: the session's rules and messages ---------------------------------

    def check_save_path(self, path: str | os.PathLike[str]) -> None:
        self.session.check_save_path(path)

    def save(self, path: str | os.PathLike[str]) -> str:
        from bigram_tui.core.display import shown_path

        return shown_path(self.session.save(path))

    def restore(self, path: str | os.PathLike[str]) -> SavedModel:
        return self.session.restore(path)


@functools.cache  # the class derives from a torch-importing core module: made on first use
def _dev_run_class() -> type:
    from bigram_tui.core.ngram_model import score_counts
    from bigram_tui.core.ngram_neural import NgramTrainingRun

    class _DevScoredRun(NgramTrainingRun):
        """An n-gram run that also scores its weights on the dev counts at every epoch."""

        def __init__(self, counts, kind, dev, *, seed, lr, reg) -> None:
            self.dev = dev
            super().__init__(counts, kind, seed=seed, lr=lr, reg=reg)

        def reset(self, seed: int | None = None) -> None:
            super().reset(seed)
            self.dev_losses: list[float] = []

        def step(self):
            weights = self.weights  # the weights this epoch's loss is of
            epoch = super().step()
            if self.dev is not None:
                # Data loss only: λ's penalty is a training device, not a property of dev.
                model = self.objective.model(weights)
                self.dev_losses.append(score_counts(model, self.dev).mean_nll)
            return epoch

    return _DevScoredRun
