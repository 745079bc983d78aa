"""The Sample tab's one bridge to the n-gram core: its models at an order, the stepping
sampler with temperature and top-k, and the train/dev/test split that marks sampled names.

Torch and the n-gram modules are imported inside the functions: the app paints before
torch loads. When the session learns n-gram models (core.session), point these at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bigram_tui.core.defaults import DEFAULT_MAX_LENGTH
from bigram_tui.core.session import SMOOTHED_K

from .weights_note import weights_note

if TYPE_CHECKING:
    import torch

    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.ngram_counts import NgramCounts
    from bigram_tui.core.ngram_model import NextTokenModel
    from bigram_tui.core.ngram_neural import NgramTrainingRun
    from bigram_tui.core.ngram_sampling import NgramSampler
    from bigram_tui.core.session import Session
    from bigram_tui.core.split import WordSplit
    from bigram_tui.core.vocab import Vocab

BIGRAM = 2  # the lecture's order: the session's own models, bit for bit
# Temperatures the [ and ] keys step through; 1 leaves the model's distribution as it is.
TEMPERATURES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
# Top-k values the k and K keys step through; None keeps every token.
TOP_KS: tuple[int | None, ...] = (None, 1, 2, 3, 5, 10)


@dataclass(frozen=True)
class UniformRows:
    """Every token equally likely after any context, at any order."""

    vocab: Vocab
    order: int
    name: str = "uniform"

    def next_probs(self, context_ids: torch.Tensor) -> torch.Tensor:
        import torch

        size = self.vocab.size
        return torch.full((len(context_ids), size), 1.0 / size, dtype=torch.float64)

    def log_probs(
        self, context_ids: torch.Tensor, nexts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        import math

        import torch

        from bigram_tui.core.ngram_model import SEEN

        shape = nexts.shape
        log_p = torch.full(shape, -math.log(self.vocab.size), dtype=torch.float64)
        return log_p, torch.full(shape, SEEN, dtype=torch.long)


class OrderModels:
    """The models of one session at any order, built once each and kept."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._counts: dict[int, NgramCounts] = {}
        self._runs: dict[int, NgramTrainingRun] = {}

    def split(self) -> WordSplit:
        """The session's split, which marks sampled names (blocking: call it in a worker)."""
        return self.session.word_split()

    @staticmethod
    def row(model: NextTokenModel, context: tuple[int, ...]) -> torch.Tensor:
        """The model's P(next | context), float64 (all zero: no distribution)."""
        import torch

        context_id = 0
        for token in context:
            context_id = context_id * model.vocab.size + token
        return model.next_probs(torch.tensor([context_id]))[0]

    def counts(self, order: int) -> NgramCounts:
        if order not in self._counts:
            self._counts[order] = self.session.ngram_counts(order)  # counted once per session
        return self._counts[order]

    def net(self, order: int) -> NgramTrainingRun:
        """The net of this order: the session's if it has one, else a table net, untrained."""
        from bigram_tui.core.ngram_neural import NgramTrainingRun

        session_run = getattr(self.session, "ngram_run", None)
        if session_run is not None and session_run.order == order:
            return session_run
        if order not in self._runs:
            run = self.session.run
            self._runs[order] = NgramTrainingRun(self.counts(order), seed=run.seed, lr=run.lr)
        return self._runs[order]

    def model(self, kind: str, order: int) -> NextTokenModel:
        """`kind` is one of MODEL_KINDS; at order 2 the session's own bigram models."""
        from bigram_tui.core.ngram_model import BigramRows, NgramModel

        if order == BIGRAM:
            return BigramRows(self.session.model(kind))
        if kind == "uniform":
            return UniformRows(self.session.vocab, order)
        if kind == "neural":
            return self.net(order).model()
        return NgramModel(self.counts(order), SMOOTHED_K if kind == "smoothed" else 0.0)

    def _run(self, order: int) -> TrainingRun:
        return self.session.run if order == BIGRAM else self.net(order)

    def weights_of(self, kind: str, order: int) -> tuple[object, int] | None:
        """Which W a neural model was built from, to tell when training moved on."""
        if kind != "neural":
            return None
        run = self._run(order)
        return run, run.epoch

    def note(self, kind: str, order: int) -> str:
        """What the model is made of, for the header: its k, or how trained its W is."""
        if kind == "neural":
            return weights_note(self._run(order).epoch)
        return {"smoothed": f"k={SMOOTHED_K:g}", "counts": "k=0"}.get(kind, "")


def new_sampler(
    model: NextTokenModel,
    seed: int,
    algorithm: str,
    temperature: float = 1.0,
    top_k: int | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> NgramSampler:
    from bigram_tui.core.ngram_sampling import NgramSampler

    return NgramSampler(model, algorithm, seed, max_length, temperature, top_k)


def shaped_row(probs: torch.Tensor, temperature: float, top_k: int | None) -> torch.Tensor:
    """The row as the sampler would draw from it (before any draw is made)."""
    from bigram_tui.core.shaping import shape_probs

    return shape_probs(probs.unsqueeze(0), temperature, top_k)[0]
