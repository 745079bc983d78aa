"""Sampling names from a model of order n, one draw at a time, with temperature and top-k.

The context is the last n−1 tokens, '.' before the name starts. Each draw takes the model's
row P(· | context), shapes it (core.shaping), and hands it to the same classic or torch draw
as core.sampling, consuming the generator the same way. So at order 2 with T = 1 and no
top-k the names are bit for bit those of `NameSampler` and `sample_names`.

`NgramSampler` steps for the app and records each draw; `sample_ngram_names` is the batch
path, drawing the random numbers a block at a time, and gives the same names. Both are the
n-gram model on core.name_loop, the loop the bigram samplers share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .defaults import DEFAULT_MAX_LENGTH
from .name_loop import SampledName, StepSampler, draw_names
from .ngram_counts import NgramError
from .ngram_model import NextTokenModel
from .params import check_temperature, check_top_k
from .rng import DEFAULT_SEED
from .sampling import DRAWERS, Draw
from .shaping import shape_probs


@dataclass(frozen=True)
class NgramDraw:
    """One draw: the context, the distribution as the model gave it and as it was drawn."""

    context: tuple[int, ...]  # the n−1 token indices conditioned on, oldest first
    original: torch.Tensor  # the model's P(next | context), float64
    probs: torch.Tensor  # after temperature and top-k: what the draw used
    uniforms: torch.Tensor  # the random numbers consumed: 1 (classic) or V (torch)
    chosen: int
    cumulative: torch.Tensor | None = None  # classic: the CDF u was placed on
    race: torch.Tensor | None = None  # torch: q per token; the winner maximised p / q

    @classmethod
    def of(cls, context: tuple[int, ...], original: torch.Tensor, draw: Draw) -> NgramDraw:
        return cls(
            context, original, draw.probs, draw.uniforms, draw.chosen, draw.cumulative, draw.race
        )


class _Rows:
    """The model's rows, original and shaped, computed once per context met."""

    def __init__(self, model: NextTokenModel, temperature: float, top_k: int | None) -> None:
        self.model = model
        self.temperature = check_temperature(temperature)
        self.top_k = check_top_k(top_k)
        self._cache: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def context_id(self, context: tuple[int, ...]) -> int:
        value = 0
        for token in context:
            value = value * self.model.vocab.size + token
        return value

    def get(self, context: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        key = self.context_id(context)
        if key not in self._cache:
            original = self.model.next_probs(torch.tensor([key]))[0]
            if not bool((original > 0).any()):
                shown = "".join(self.model.vocab.itos[i] for i in context)
                raise NgramError(
                    f"context {shown!r} was never seen in training, so it has no distribution; "
                    "sample with smoothing k > 0"
                )
            shaped = shape_probs(original.unsqueeze(0), self.temperature, self.top_k)[0]
            self._cache[key] = (original, shaped)
        return self._cache[key]


@dataclass
class NgramSampler(StepSampler[tuple[int, ...], NgramDraw]):
    """The sampler of a model of order n: the context is the last n−1 tokens."""

    model: NextTokenModel
    algorithm: str = "classic"
    seed: int = DEFAULT_SEED
    max_length: int = DEFAULT_MAX_LENGTH
    temperature: float = 1.0
    top_k: int | None = None
    history: list[SampledName] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._rows = _Rows(self.model, self.temperature, self.top_k)

    @property
    def start(self) -> tuple[int, ...]:
        return (0,) * (self.model.order - 1)

    def set_shaping(self, temperature: float = 1.0, top_k: int | None = None) -> None:
        """Takes effect from the next draw; the name in progress carries on."""
        self._rows = _Rows(self.model, temperature, top_k)
        self.temperature, self.top_k = self._rows.temperature, self._rows.top_k

    def _row(self, context: tuple[int, ...]) -> torch.Tensor:
        return self._rows.get(context)[1]

    def _draw(self) -> NgramDraw:
        original, shaped = self._rows.get(self.context)
        draw = DRAWERS[self.algorithm](shaped.unsqueeze(0), 0, self.generator)
        return NgramDraw.of(self.context, original, draw)

    def _advance(self, context: tuple[int, ...], chosen: int) -> tuple[int, ...]:
        return (*context[1:], chosen) if context else ()


def sample_ngram_names(
    model: NextTokenModel,
    n: int,
    *,
    algorithm: str = "classic",
    seed: int = DEFAULT_SEED,
    max_length: int = DEFAULT_MAX_LENGTH,
    temperature: float = 1.0,
    top_k: int | None = None,
) -> list[SampledName]:
    """`n` names, the same as `n` × NgramSampler.finish_name(), drawn a block at a time."""
    sampler = NgramSampler(model, algorithm, seed, max_length, temperature, top_k)
    return draw_names(sampler, n)
