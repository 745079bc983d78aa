"""The loop every sampler shares, step-wise and batch, whatever the model's order.

A name grows one drawn token at a time from a context ('.' before it starts): '.' ends the
name, and `max_length` tokens cut it (`extend_name`, the one home of that rule). A sampler
built on `StepSampler` says where a name starts, how one draw is made and recorded, and
where the context moves; `draw_names` runs the same walk on random numbers drawn a block at
a time, choosing as core.sampling's draw_classic and draw_torch do, so both give the same
names bit for bit.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import torch

from .params import check_max_length, check_sampler
from .rng import make_generator
from .vocab import Vocab

_BLOCK = 1024  # draws per block of random numbers on the batch path


@dataclass(frozen=True)
class SampledName:
    text: str
    cut: bool = False  # True when the maximum length stopped it before '.' was drawn


def extend_name(
    tokens: list[str], chosen: int, itos: Sequence[str], max_length: int
) -> SampledName | None:
    """The rule that ends a name: '.' ends it, `max_length` tokens cut it; `tokens` grows."""
    if chosen == 0:
        return SampledName("".join(tokens))
    tokens.append(itos[chosen])
    if len(tokens) < max_length:
        return None
    return SampledName("".join(tokens), cut=True)


class _Chosen(Protocol):
    @property
    def chosen(self) -> int: ...


class _HasVocab(Protocol):
    @property
    def vocab(self) -> Vocab: ...


Context = TypeVar("Context", bound=Hashable)  # a bigram's one token, an n-gram's n−1 tokens
Record = TypeVar("Record", bound=_Chosen)  # what a draw leaves behind: Draw, NgramDraw


class StepSampler(Generic[Context, Record]):
    """Draws one token per `step()`; a finished name goes to `history`.

    The dataclass built on it holds the fields and says where a name starts (`start`), the
    row a context draws from (`_row`), how a draw is made and recorded from it (`_draw`), and
    where the context moves after it (`_advance`).
    """

    model: _HasVocab
    algorithm: str
    seed: int
    max_length: int
    history: list[SampledName]

    def __post_init__(self) -> None:
        check_sampler(self.algorithm)
        check_max_length(self.max_length)
        self.reset()

    @property
    def start(self) -> Context:
        raise NotImplementedError

    def _row(self, context: Context) -> torch.Tensor:
        raise NotImplementedError

    def _draw(self) -> Record:
        raise NotImplementedError

    def _advance(self, context: Context, chosen: int) -> Context:
        raise NotImplementedError

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
        self.algorithm = check_sampler(algorithm)

    def step(self) -> tuple[Record, SampledName | None]:
        """One draw. Returns it, and the name it finished, if it finished one."""
        draw = self._draw()
        finished = extend_name(self.current, draw.chosen, self.model.vocab.itos, self.max_length)
        if finished is None:
            self.context = self._advance(self.context, draw.chosen)
        else:
            self.history.append(finished)
            self.context, self.current = self.start, []
        return draw, finished

    def finish_name(self) -> tuple[list[Record], SampledName]:
        draws = []
        while True:
            draw, finished = self.step()
            draws.append(draw)
            if finished is not None:
                return draws, finished


class _ClassicChooser:
    """sampling.draw_classic's choice without tensors: bisect_left is searchsorted's left side."""

    def __init__(self, row: torch.Tensor) -> None:
        self.cumulative = row.cumsum(0).tolist()
        self.possible = [p > 0 for p in row.tolist()]
        self.last_possible = max(i for i, ok in enumerate(self.possible) if ok)

    def __call__(self, u: float) -> int:
        chosen = min(bisect.bisect_left(self.cumulative, u), len(self.cumulative) - 1)
        return chosen if self.possible[chosen] else self.last_possible


class _RaceChooser:
    """sampling.draw_torch's choice, given one draw's race q."""

    def __init__(self, row: torch.Tensor) -> None:
        self.row = row

    def __call__(self, q: torch.Tensor) -> int:
        return int(torch.argmax(self.row / q))


def draw_names(sampler: StepSampler[Context, Any], n: int) -> list[SampledName]:
    """The `n` names `sampler` steps to from its seed, the random numbers drawn a block at a time.

    The random numbers of a draw do not depend on its context, so a block of them is drawn
    at once; each context met gets a chooser that turns one draw's numbers into a token.
    The sampler itself is left as it was.
    """
    generator = make_generator(sampler.seed)
    itos, max_length, start = sampler.model.vocab.itos, sampler.max_length, sampler.start
    algorithm, advance = sampler.algorithm, sampler._advance
    size = len(itos)
    new_chooser: Callable[[torch.Tensor], Callable[[Any], int]] = (
        _ClassicChooser if algorithm == "classic" else _RaceChooser
    )
    choosers: dict[Context, Callable[[Any], int]] = {}
    names: list[SampledName] = []
    tokens: list[str] = []
    context = start
    while len(names) < n:
        block: list[float] | torch.Tensor  # per draw: classic's u, or torch's race q
        if algorithm == "classic":
            block = torch.rand(_BLOCK, dtype=torch.float64, generator=generator).tolist()
        else:
            u = torch.rand(_BLOCK * size, dtype=torch.float64, generator=generator)
            block = -torch.log1p(-u.view(_BLOCK, size))
        for randoms in block:
            choose = choosers.get(context)
            if choose is None:
                choose = choosers[context] = new_chooser(sampler._row(context))
            chosen = choose(randoms)
            finished = extend_name(tokens, chosen, itos, max_length)
            if finished is None:
                context = advance(context, chosen)
                continue
            names.append(finished)
            context, tokens = start, []
            if len(names) == n:
                break
    return names
