"""Sampling names one draw at a time, with a record of what decided each draw.

Two algorithms pick the next character from a probability row p:

- classic: one float64 uniform u; the winner is the first index whose cumulative sum of p
  reaches u (inverse CDF). torch.multinomial did this before torch 2.7, so it reproduces
  the lecture's names on any torch version.
- torch: the installed torch.multinomial(p, 1, replacement=True). Today that is a race:
  u ~ U(0,1) per character, q = -log1p(-u) ~ Exp(1), winner = argmax(p / q).

`NameSampler` steps one draw at a time for the app; `sample_names` is the batch path. Both
are the bigram model on core.name_loop, the loop core.ngram_sampling shares; they consume the
generator identically, so they give the same names bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .defaults import DEFAULT_MAX_LENGTH
from .model import BigramModel
from .name_loop import SampledName, StepSampler, draw_names
from .rng import DEFAULT_SEED


@dataclass(frozen=True)
class Draw:
    context: int  # the index the draw was conditioned on ('.' = 0 at the start)
    probs: torch.Tensor  # the normalised row P(next | context), float64
    uniforms: torch.Tensor  # the random numbers consumed: 1 (classic) or V (torch)
    chosen: int
    cumulative: torch.Tensor | None = None  # classic: the CDF that u was placed on
    race: torch.Tensor | None = None  # torch: q per character; the winner maximised p / q


def _last_possible(row: torch.Tensor) -> int:
    return int(row.nonzero().max())


def inverse_cdf_index(cumulative: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """First index whose cumulative probability reaches u, for each row and u."""
    index = torch.searchsorted(cumulative, u)
    # Rounding can leave the last cumulative sum a hair below 1; u may land past it.
    return index.clamp_max(cumulative.shape[-1] - 1)


def draw_classic(probs: torch.Tensor, context: int, generator: torch.Generator) -> Draw:
    row = probs[context]
    cumulative = row.cumsum(0)
    u = torch.rand(1, dtype=torch.float64, generator=generator)
    chosen = int(inverse_cdf_index(cumulative, u))
    if row[chosen] == 0:
        chosen = _last_possible(row)
    return Draw(context, row, u, chosen, cumulative=cumulative)


def exponential_race(row: torch.Tensor, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    q = -torch.log1p(-u)
    return q, torch.argmax(row / q, dim=-1)


def draw_torch(probs: torch.Tensor, context: int, generator: torch.Generator) -> Draw:
    row = probs[context]
    u = torch.rand(row.shape[0], dtype=torch.float64, generator=generator)
    q, winner = exponential_race(row, u)
    return Draw(context, row, u, int(winner), race=q)


DRAWERS = {"classic": draw_classic, "torch": draw_torch}


@dataclass
class NameSampler(StepSampler[int, Draw]):
    """The bigram model's sampler: the context is the last token, '.' (0) at the start."""

    model: BigramModel
    algorithm: str = "classic"
    seed: int = DEFAULT_SEED
    max_length: int = DEFAULT_MAX_LENGTH
    history: list[SampledName] = field(default_factory=list)

    @property
    def start(self) -> int:
        return 0

    def _row(self, context: int) -> torch.Tensor:
        return self.model.probs[context]

    def _draw(self) -> Draw:
        return DRAWERS[self.algorithm](self.model.probs, self.context, self.generator)

    def _advance(self, context: int, chosen: int) -> int:
        return chosen  # a bigram's context is the token just drawn


def sample_names(
    model: BigramModel,
    n: int,
    *,
    algorithm: str = "classic",
    seed: int = DEFAULT_SEED,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> list[SampledName]:
    """`n` names, the same as `n` × NameSampler.finish_name(), computed a block at a time."""
    return draw_names(NameSampler(model, algorithm, seed, max_length), n)
