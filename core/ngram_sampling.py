"""Sampling names from a model of order n, one draw at a time, with temperature and top-k.

The context is the last n−1 tokens, '.' before the name starts. Each draw takes the model's
row P(· | context), shapes it (core.shaping), and hands it to the same classic or torch draw
as core.sampling, consuming the generator the same way. So at order 2 with T = 1 and no
top-k the names are bit for bit those of `NameSampler` and `sample_names`.

`NgramSampler` steps for the app and records each draw; `sample_ngram_names` is the batch
path, drawing the random numbers a block at a time, and gives the same names.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import torch

from .defaults import DEFAULT_MAX_LENGTH
from .ngram_counts import NgramError
from .ngram_model import NextTokenModel
from .params import SAMPLERS as ALGORITHMS
from .params import check_temperature, check_top_k
from .rng import DEFAULT_SEED, make_generator
from .sampling import Draw, SampledName, draw_classic, draw_torch
from .shaping import shape_probs

_BLOCK = 1024  # draws per block of random numbers on the batch path


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


def _check_algorithm(algorithm: str) -> str:
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown sampler {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
    return algorithm


def _check_max_length(max_length: int) -> int:
    if max_length < 1:
        raise ValueError(f"max length must be at least 1, got {max_length}")
    return max_length


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


def _advance(context: tuple[int, ...], chosen: int) -> tuple[int, ...]:
    return (*context[1:], chosen) if context else ()


@dataclass
class NgramSampler:
    """Draws one token per `step()`; a finished name goes to `history`."""

    model: NextTokenModel
    algorithm: str = "classic"
    seed: int = DEFAULT_SEED
    max_length: int = DEFAULT_MAX_LENGTH
    temperature: float = 1.0
    top_k: int | None = None
    history: list[SampledName] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_algorithm(self.algorithm)
        _check_max_length(self.max_length)
        self._rows = _Rows(self.model, self.temperature, self.top_k)
        self.reset()

    @property
    def start(self) -> tuple[int, ...]:
        return (0,) * (self.model.order - 1)

    def reset(self, seed: int | None = None) -> None:
        # Build the generator first: a rejected seed leaves the sampler as it was.
        generator = make_generator(self.seed if seed is None else seed)
        if seed is not None:
            self.seed = seed
        self.generator = generator
        self.context = self.start
        self.current: list[str] = []
        self.history.clear()

    def set_algorithm(self, algorithm: str) -> None:
        self.algorithm = _check_algorithm(algorithm)

    def set_shaping(self, temperature: float = 1.0, top_k: int | None = None) -> None:
        """Takes effect from the next draw; the name in progress carries on."""
        self._rows = _Rows(self.model, temperature, top_k)
        self.temperature, self.top_k = self._rows.temperature, self._rows.top_k

    def step(self) -> tuple[NgramDraw, SampledName | None]:
        """One draw. Returns it, and the name it finished, if it finished one."""
        original, shaped = self._rows.get(self.context)
        drawer = draw_classic if self.algorithm == "classic" else draw_torch
        draw = NgramDraw.of(self.context, original, drawer(shaped.unsqueeze(0), 0, self.generator))
        finished = None
        if draw.chosen == 0:
            finished = SampledName("".join(self.current))
        else:
            self.current.append(self.model.vocab.itos[draw.chosen])
            if len(self.current) >= self.max_length:
                finished = SampledName("".join(self.current), cut=True)
        if finished is None:
            self.context = _advance(self.context, draw.chosen)
        else:
            self.history.append(finished)
            self.context, self.current = self.start, []
        return draw, finished

    def finish_name(self) -> tuple[list[NgramDraw], SampledName]:
        draws = []
        while True:
            draw, finished = self.step()
            draws.append(draw)
            if finished is not None:
                return draws, finished


class _ClassicChooser:
    """draw_classic's choice without tensors: bisect_left is searchsorted's left side."""

    def __init__(self, shaped: torch.Tensor) -> None:
        self.cumulative = shaped.cumsum(0).tolist()
        self.possible = [p > 0 for p in shaped.tolist()]
        self.last_possible = max(i for i, ok in enumerate(self.possible) if ok)

    def choose(self, u: float) -> int:
        chosen = min(bisect.bisect_left(self.cumulative, u), len(self.cumulative) - 1)
        return chosen if self.possible[chosen] else self.last_possible


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
    _check_algorithm(algorithm)
    _check_max_length(max_length)
    rows = _Rows(model, temperature, top_k)
    generator = make_generator(seed)
    itos, size = model.vocab.itos, model.vocab.size
    start = (0,) * (model.order - 1)
    choosers: dict[tuple[int, ...], _ClassicChooser] = {}
    names: list[SampledName] = []
    current: list[str] = []
    context = start
    while len(names) < n:
        if algorithm == "classic":
            uniforms = torch.rand(_BLOCK, dtype=torch.float64, generator=generator).tolist()
        else:
            u = torch.rand(_BLOCK * size, dtype=torch.float64, generator=generator)
            races = -torch.log1p(-u.view(_BLOCK, size))
        for step in range(_BLOCK):
            if algorithm == "classic":
                if context not in choosers:
                    choosers[context] = _ClassicChooser(rows.get(context)[1])
                chosen = choosers[context].choose(uniforms[step])
            else:
                shaped = rows.get(context)[1]
                chosen = int(torch.argmax(shaped / races[step]))
            if chosen == 0:
                names.append(SampledName("".join(current)))
            else:
                current.append(itos[chosen])
                if len(current) < max_length:
                    context = _advance(context, chosen)
                    continue
                names.append(SampledName("".join(current), cut=True))
            context, current = start, []
            if len(names) == n:
                break
    return names
