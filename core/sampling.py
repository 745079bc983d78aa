"""Sampling names one draw at a time, with a record of what decided each draw.

Two algorithms pick the next character from a probability row p:

- classic: one float64 uniform u; the winner is the first index whose cumulative sum of p
  reaches u (inverse CDF). torch.multinomial did this before torch 2.7, so it reproduces
  the lecture's names on any torch version.
- torch: the installed torch.multinomial(p, 1, replacement=True). Today that is a race:
  u ~ U(0,1) per character, q = -log1p(-u) ~ Exp(1), winner = argmax(p / q).

`NameSampler` steps one draw at a time for the app; `sample_names` is the batch path.
Both consume the generator identically, so they give the same names bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .defaults import DEFAULT_MAX_LENGTH
from .model import BigramModel
from .params import check_max_length, check_sampler
from .rng import DEFAULT_SEED, make_generator

_BATCH_STEPS = 1024  # draws per block of random numbers on the batch path


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


_DRAWERS = {"classic": draw_classic, "torch": draw_torch}


@dataclass(frozen=True)
class SampledName:
    text: str
    cut: bool = False  # True when the maximum length stopped it before '.' was drawn


@dataclass
class NameSampler:
    """Draws one character per `step()`; a finished name goes to `history`."""

    model: BigramModel
    algorithm: str = "classic"
    seed: int = DEFAULT_SEED
    max_length: int = DEFAULT_MAX_LENGTH
    history: list[SampledName] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_sampler(self.algorithm)
        check_max_length(self.max_length)
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        # Build the generator first: a rejected seed leaves the sampler as it was.
        generator = make_generator(self.seed if seed is None else seed)
        if seed is not None:
            self.seed = seed
        self.generator = generator
        self.context = 0
        self.current: list[str] = []
        self.history.clear()

    def set_algorithm(self, algorithm: str) -> None:
        self.algorithm = check_sampler(algorithm)

    def step(self) -> tuple[Draw, SampledName | None]:
        """One draw. Returns it, and the name it finished, if it finished one."""
        draw = _DRAWERS[self.algorithm](self.model.probs, self.context, self.generator)
        finished = None
        if draw.chosen == 0:
            finished = SampledName("".join(self.current))
        else:
            self.current.append(self.model.vocab.itos[draw.chosen])
            if len(self.current) >= self.max_length:
                finished = SampledName("".join(self.current), cut=True)
        if finished is None:
            self.context = draw.chosen
        else:
            self.history.append(finished)
            self.context, self.current = 0, []
        return draw, finished

    def finish_name(self) -> tuple[list[Draw], SampledName]:
        draws = []
        while True:
            draw, finished = self.step()
            draws.append(draw)
            if finished is not None:
                return draws, finished


def _winner_tables(
    model: BigramModel, algorithm: str, generator: torch.Generator
) -> list[list[int]]:
    """For a block of upcoming draws, the winner from every possible context.

    The random numbers of a draw do not depend on its context, so a block of them can be
    drawn at once and every context resolved in one vectorised step.
    """
    probs = model.probs
    size = probs.shape[0]
    if algorithm == "classic":
        u = torch.rand(_BATCH_STEPS, dtype=torch.float64, generator=generator)
        cumulative = probs.cumsum(1)
        winners = inverse_cdf_index(cumulative, u.expand(size, -1).contiguous()).T
        # A u past a row's end (rounding) goes to that row's last possible index.
        impossible = probs.gather(1, winners.T).T == 0
        if bool(impossible.any()):
            last = torch.tensor([_last_possible(row) for row in probs])
            winners = torch.where(impossible, last.expand_as(winners), winners)
    else:
        u = torch.rand(_BATCH_STEPS * size, dtype=torch.float64, generator=generator)
        q = -torch.log1p(-u.view(_BATCH_STEPS, 1, size))
        winners = torch.argmax(probs.unsqueeze(0) / q, dim=-1)
    return winners.tolist()


def sample_names(
    model: BigramModel,
    n: int,
    *,
    algorithm: str = "classic",
    seed: int = DEFAULT_SEED,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> list[SampledName]:
    """`n` names, the same as `n` × NameSampler.finish_name(), computed a block at a time."""
    check_sampler(algorithm)
    check_max_length(max_length)
    generator = make_generator(seed)
    itos = model.vocab.itos
    names: list[SampledName] = []
    current: list[str] = []
    context = 0
    while len(names) < n:
        for winners in _winner_tables(model, algorithm, generator):
            chosen = winners[context]
            if chosen == 0:
                names.append(SampledName("".join(current)))
            else:
                current.append(itos[chosen])
                if len(current) < max_length:
                    context = chosen
                    continue
                names.append(SampledName("".join(current), cut=True))
            context, current = 0, []
            if len(names) == n:
                break
    return names
