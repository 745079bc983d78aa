"""Many names at once: the walk of core.sampling's `Sampler`, with the random numbers drawn a
block at a time and each context's row turned into plain Python lists once.

The random numbers of a draw do not depend on its context, so a block of them is drawn at
once, from the same generator in the same order as the sampler draws them one by one: the
names are the same, bit for bit. The context is carried as its base-V id, updated by one
multiply and one modulo per draw.
"""

from __future__ import annotations

import bisect

import torch

from .defaults import DEFAULT_MAX_LENGTH
from .model import NextTokenModel
from .params import check_max_length, check_sampler
from .rng import DEFAULT_SEED, make_generator
from .sampling import Rows, SampledName, extend_name

_BLOCK = 1024  # draws per block of random numbers
_TABLE_NUMBERS = 1 << 20  # ratios p / q raced at once: 8 MB of float64
_UNSEEN = -1  # the race table's key for the row every unseen context shares


class _ClassicChoices:
    """The classic draw's choices, a block of uniforms u at a time, without tensors.

    bisect_left on a row's cumulative sums is searchsorted's left side. The known rows are
    turned into lists in one conversion when they are few enough, else row by row as met.
    """

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        # A copy: the rows' lists are shared by every call that samples with the same rows.
        self.known: dict[int, tuple[list[float], list[bool], int]] = dict(rows.classic_lists)
        self.u: list[float] = []
        self._unseen_row = None if rows.unseen is None else rows.unseen[1]
        self._unseen_lists: tuple[list[float], list[bool], int] | None = None

    def draw_block(self, generator: torch.Generator) -> None:
        self.u = torch.rand(_BLOCK, dtype=torch.float64, generator=generator).tolist()

    def choose(self, context: int, step: int) -> int:
        known = self.known.get(context)
        if known is None:
            row = self.rows.get(context)[1]
            if row is self._unseen_row and self._unseen_lists is not None:
                known = self._unseen_lists  # the one row all unseen contexts share
            else:
                possible = [p > 0 for p in row.tolist()]
                last_possible = max(i for i, ok in enumerate(possible) if ok)
                known = (row.cumsum(0).tolist(), possible, last_possible)
                if row is self._unseen_row:
                    self._unseen_lists = known
            self.known[context] = known
        cumulative, possible, last_possible = known
        chosen = min(bisect.bisect_left(cumulative, self.u[step]), len(cumulative) - 1)
        return chosen if possible[chosen] else last_possible


class _RaceChoices:
    """The torch draw's choices, a block of races q (a row of V per draw) at a time.

    Racing one draw at a time costs a tensor operation a draw, so the first contexts met (all
    of a bigram model's) are raced for a whole block at once, together at each block's start;
    once that table is full, a new context races on its own.
    """

    def __init__(self, rows: Rows) -> None:
        self.rows, self.size = rows, rows.model.vocab.size
        self.table_rows: dict[int, torch.Tensor] = {}
        self.lone_rows: dict[int, torch.Tensor] = {}
        self.table_size = max(1, _TABLE_NUMBERS // (_BLOCK * self.size))
        self.q = torch.empty(0)
        self.winners: dict[int, list[int]] = {}  # the table: a context's winner per draw

    def draw_block(self, generator: torch.Generator) -> None:
        u = torch.rand(_BLOCK * self.size, dtype=torch.float64, generator=generator)
        self.q = -torch.log1p(-u.view(_BLOCK, self.size))
        self.winners = {}
        if self.table_rows:
            rows = torch.stack(list(self.table_rows.values()))
            winners = torch.argmax(rows.unsqueeze(1) / self.q.unsqueeze(0), dim=-1).tolist()
            self.winners = dict(zip(self.table_rows, winners, strict=True))

    def choose(self, context: int, step: int) -> int:
        if self.rows.unseen is not None and context not in self.rows.index:
            self.rows.get(context)  # raises if the shared row is no distribution
            context = _UNSEEN  # every unseen context races with the one row they share
        winners = self.winners.get(context)
        if winners is not None:
            return winners[step]
        row = self.lone_rows.get(context)
        if row is None:
            unseen = self.rows.unseen
            row = (
                unseen[1]
                if unseen is not None and context == _UNSEEN
                else self.rows.get(context)[1]
            )
            if len(self.table_rows) < self.table_size:
                self.table_rows[context] = row
                winners = self.winners[context] = torch.argmax(row / self.q, dim=-1).tolist()
                return winners[step]
            self.lone_rows[context] = row
        return int(torch.argmax(row / self.q[step]))


def sample_names(
    model: NextTokenModel,
    n: int,
    *,
    algorithm: str = "classic",
    seed: int = DEFAULT_SEED,
    max_length: int = DEFAULT_MAX_LENGTH,
    temperature: float = 1.0,
    top_k: int | None = None,
    rows: Rows | None = None,
) -> list[SampledName]:
    """`n` names, the same as `n` × Sampler(...).finish_name(), drawn a block at a time.

    `rows` may be the model's rows at this temperature and top-k from an earlier call
    (Session keeps them), so that a second call builds none."""
    # The user's rule (at least 1, at most MAX_NAMES) is the session's; here 0 names is [].
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"a name count is a whole number ≥ 0, got {n!r}")
    check_sampler(algorithm)
    check_max_length(max_length)
    if rows is None or not rows.serves(model, temperature, top_k):
        rows = Rows(model, temperature, top_k)
    choices = _ClassicChoices(rows) if algorithm == "classic" else _RaceChoices(rows)
    generator = make_generator(seed)
    itos, size = model.vocab.itos, model.vocab.size
    span = size ** (model.order - 1)  # context ids run below V^(n−1)
    choose = choices.choose
    names: list[SampledName] = []
    tokens: list[str] = []
    context = 0
    while len(names) < n:
        choices.draw_block(generator)
        for step in range(_BLOCK):
            chosen = choose(context, step)
            finished = extend_name(tokens, chosen, itos, max_length)
            if finished is None:
                context = (context * size + chosen) % span
                continue
            names.append(finished)
            context, tokens = 0, []
            if len(names) == n:
                break
    return names
