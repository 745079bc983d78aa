"""Many names at once: the names core.sampling's Sampler gives stepped name after name, bit for
bit, found faster.

A draw's random numbers do not depend on its context — one uniform for the classic draw, V
for the race — so the Sampler and these walks read the same numbers for the same draw, drawn
a block at a time here. What differs is how each draw's choice is found:

- classic: a tight Python loop, one bisect per draw on plain lists; each context's
  cumulative sums are made lists once per Rows (Rows.classic_lists).
- torch (the race): V divisions and an argmax a draw are too many for Python, so stretches
  of the stream are walked side by side in numpy and stitched (core.lane_sampling). Rows that
  lanes cannot serve (a different row for every unseen context, or too many rows) are raced
  a block of draws at a time for each context met, as before lanes.

Both walks give the token each draw chose and the draws that ended a name; `names_from`
makes the names of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np
import torch

from .defaults import DEFAULT_MAX_LENGTH
from .lane_sampling import LaneRows, walk_in_lanes
from .model import NextTokenModel
from .params import check_max_length, check_sampler
from .rng import DEFAULT_SEED, make_generator
from .sampling import (
    DRAWS_PER_NAME_GUESS,
    ClassicRow,
    Rows,
    SampledName,
    classic_row,
    extend_name,
)

_BLOCK = 1024  # draws per block of random numbers, at the least
_TABLE_NUMBERS = 1 << 20  # ratios p / q raced at once: 8 MB of float64
_UNSEEN = -1  # the race table's key for the row every unseen context shares


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
    generator = make_generator(seed)
    if n == 0:
        return []
    itos = model.vocab.itos
    if algorithm == "classic":
        chosen, ends = _classic_walk(rows, n, generator, max_length)
        # bytes() makes an array of small ints fastest
        tokens = np.frombuffer(bytes(chosen), np.uint8) if len(itos) <= 256 else np.array(chosen)
        return names_from(tokens, np.array(ends), itos)
    tables = LaneRows.of(rows)
    if tables is None:
        return _race_draw_by_draw(rows, n, generator, max_length)
    return names_from(*walk_in_lanes(rows, tables, n, generator, max_length), itos)


def names_from(chosen: np.ndarray, ends: np.ndarray, itos: Sequence[str]) -> list[SampledName]:
    """The names of a walk: chosen[i] is the token draw i chose; `ends`, the draws that ended
    a name, in order — '.' (not part of the name) or the max_length-th token (cut, part of it).
    The walk's first draw begins the first name."""
    if not len(ends):
        return []
    cut = chosen[ends] != 0
    starts = np.concatenate([[0], ends[:-1] + 1])
    stops = ends + cut
    used = chosen[: ends[-1] + 1]
    if all(len(token) == 1 for token in itos):  # characters: the text is one decode
        codes = np.array([ord(token) for token in itos], dtype="<u4")
        text = codes[used].tobytes().decode("utf-32-le", "surrogatepass")
    else:  # tokens of several characters: names are cut at their tokens' offsets
        text = "".join([itos[token] for token in used.tolist()])
        offsets = np.concatenate([[0], np.cumsum(np.array([len(t) for t in itos])[used])])
        starts, stops = offsets[starts], offsets[stops]
    texts = [text[a:b] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)]
    return list(map(SampledName, texts, cut.tolist()))


# --- classic: one bisect a draw -------------------------------------------------------------


def _classic_walk(
    rows: Rows, n: int, generator: torch.Generator, max_length: int
) -> tuple[list[int], list[int]]:
    """The classic walk of `n` names: the token of every draw, and the draws ending a name."""
    model = rows.model
    size = model.vocab.size
    span = size ** (model.order - 1)  # context ids run below V^(n−1)
    listed = rows.classic_lists
    met: dict[int, ClassicRow] = {}

    def row_of(context: int) -> ClassicRow:
        """A row the lists lack: made (or its error raised) by Rows.get."""
        found = met.get(context)
        if found is None:
            found = met[context] = classic_row(rows.get(context)[1])
        return found

    chosen: list[int] = []
    ends: list[int] = []
    append, bisect_left = chosen.append, bisect.bisect_left
    context, left = 0, max_length  # left: draws before the name in progress is cut
    per_name = rows.draws_per_name.get("classic", DRAWS_PER_NAME_GUESS)
    while True:
        count = max(_BLOCK, int((n - len(ends)) * per_name * 1.05))
        for u in torch.rand(count, dtype=torch.float64, generator=generator).tolist():
            row = listed[context]
            if row is None:
                row = row_of(context)
            sums, tokens = row
            token = tokens[bisect_left(sums, u)]
            append(token)
            left -= 1
            if token and left:
                context = (context * size + token) % span
                continue
            ends.append(len(chosen) - 1)  # '.', or the max_length-th token: a cut
            if len(ends) == n:
                rows.draws_per_name["classic"] = len(chosen) / n
                return chosen, ends
            context, left = 0, max_length


# --- the race, draw by draw -----------------------------------------------------------------


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


def _race_draw_by_draw(
    rows: Rows, n: int, generator: torch.Generator, max_length: int
) -> list[SampledName]:
    """The race walked one draw after another, for rows that lanes cannot serve."""
    model = rows.model
    choices = _RaceChoices(rows)
    itos, size = model.vocab.itos, model.vocab.size
    span = size ** (model.order - 1)
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
