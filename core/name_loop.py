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
_TABLE_NUMBERS = 1 << 20  # ratios p / q raced at once on the batch path: 8 MB of float64


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


class _ClassicChoices(Generic[Context]):
    """sampling.draw_classic's choices, a block of uniforms u at a time, without tensors.

    bisect_left on a row's cumulative sums is searchsorted's left side.
    """

    def __init__(self, row_of: Callable[[Context], torch.Tensor], size: int) -> None:
        self.row_of = row_of
        self.rows: dict[Context, tuple[list[float], list[bool], int]] = {}
        self.u: list[float] = []

    def draw_block(self, generator: torch.Generator) -> dict[Context, list[int]]:
        """Draws the block's uniforms; a bisect is cheap, so no choice is worked out ahead."""
        self.u = torch.rand(_BLOCK, dtype=torch.float64, generator=generator).tolist()
        return {}

    def choose(self, context: Context, step: int) -> int:
        known = self.rows.get(context)
        if known is None:
            row = self.row_of(context)
            possible = [p > 0 for p in row.tolist()]
            last_possible = max(i for i, ok in enumerate(possible) if ok)
            known = self.rows[context] = (row.cumsum(0).tolist(), possible, last_possible)
        cumulative, possible, last_possible = known
        chosen = min(bisect.bisect_left(cumulative, self.u[step]), len(cumulative) - 1)
        return chosen if possible[chosen] else last_possible


class _RaceChoices(Generic[Context]):
    """sampling.draw_torch's choices, a block of races q (a row of V per draw) at a time.

    Racing one draw at a time costs a tensor operation a draw, so the first contexts met (all
    of a bigram model's) are raced for a whole block at once, together at each block's start;
    once that table is full, a new context races on its own.
    """

    def __init__(self, row_of: Callable[[Context], torch.Tensor], size: int) -> None:
        self.row_of, self.size = row_of, size
        self.table_rows: dict[Context, torch.Tensor] = {}
        self.lone_rows: dict[Context, torch.Tensor] = {}
        self.table_size = max(1, _TABLE_NUMBERS // (_BLOCK * size))
        self.q = torch.empty(0)
        self.known: dict[Context, list[int]] = {}  # the table: a context's winner per draw

    def draw_block(self, generator: torch.Generator) -> dict[Context, list[int]]:
        """Draws the block's races; returns the winner of every draw for the table's contexts."""
        u = torch.rand(_BLOCK * self.size, dtype=torch.float64, generator=generator)
        self.q = -torch.log1p(-u.view(_BLOCK, self.size))
        self.known = {}
        if self.table_rows:
            rows = torch.stack(list(self.table_rows.values()))
            winners = torch.argmax(rows.unsqueeze(1) / self.q.unsqueeze(0), dim=-1).tolist()
            self.known = dict(zip(self.table_rows, winners, strict=True))
        return self.known

    def choose(self, context: Context, step: int) -> int:
        row = self.lone_rows.get(context)
        if row is None:
            row = self.row_of(context)
            if len(self.table_rows) < self.table_size:
                self.table_rows[context] = row
                winners = self.known[context] = torch.argmax(row / self.q, dim=-1).tolist()
                return winners[step]
            self.lone_rows[context] = row
        return int(torch.argmax(row / self.q[step]))


def draw_names(sampler: StepSampler[Context, Any], n: int) -> list[SampledName]:
    """The `n` names `sampler` steps to from its seed, the random numbers drawn a block at a time.

    The random numbers of a draw do not depend on its context, so a block of them is drawn
    at once; the choices (classic or torch) say the winner of a draw, some of them for a whole
    block ahead. The sampler itself is left as it was.
    """
    generator = make_generator(sampler.seed)
    itos, max_length, start = sampler.model.vocab.itos, sampler.max_length, sampler.start
    advance = sampler._advance
    choices_of = _ClassicChoices if sampler.algorithm == "classic" else _RaceChoices
    choices = choices_of(sampler._row, len(itos))
    choose = choices.choose
    names: list[SampledName] = []
    tokens: list[str] = []
    context = start
    while len(names) < n:
        known = choices.draw_block(generator)  # the winner of each draw, for some contexts
        for step in range(_BLOCK):
            winners = known.get(context)
            chosen = choose(context, step) if winners is None else winners[step]
            finished = extend_name(tokens, chosen, itos, max_length)
            if finished is None:
                context = advance(context, chosen)
                continue
            names.append(finished)
            context, tokens = start, []
            if len(names) == n:
                break
    return names
