"""Sampling names from a model of order n, one draw at a time, with a record of each draw.

The context is the last n−1 tokens, '.' before the name starts. Each draw takes the model's
row P(· | context), shapes it (temperature and top-k, core.shaping), and picks the next
token with one of two algorithms:

- classic: one float64 uniform u; the winner is the first index whose cumulative sum of p
  reaches u (inverse CDF). torch.multinomial did this before torch 2.7, so it reproduces
  the lecture's names on any torch version.
- torch: the installed torch.multinomial(p, 1, replacement=True). Today that is a race:
  u ~ U(0,1) per token, q = -log1p(-u) ~ Exp(1), winner = argmax(p / q).

'.' ends a name, and `max_length` tokens cut it (`extend_name`; the batch walks apply the
same rule to arrays of draws). `Sampler` steps for the app; core.batch_sampling draws many
names at once and gives the same names bit for bit: a draw's random numbers do not depend on
its context, so both read the same numbers for the same draw (tests/core/test_sampling.py
holds every batch walk to the Sampler's names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import torch

from .counts import NgramError
from .defaults import DEFAULT_MAX_LENGTH
from .model import NextTokenModel
from .params import check_max_length, check_sampler, check_temperature, check_top_k
from .rng import DEFAULT_SEED, make_generator
from .shaping import shape_probs

# Rows computed together up front: contexts × V float64 numbers, 64 MB at most.
_PRECOMPUTED_NUMBERS = 1 << 23
_LISTED_NUMBERS = 1 << 19  # known rows made Python lists in one go: a few ms
_DENSE_CONTEXTS = 1 << 20  # contexts up to this many are listed by id (8 MB of pointers)
# Draws per name a batch assumes before one from the same rows has shown how many a name
# takes (Rows.draws_per_name): names.txt's models take 7 to 8.5.
DRAWS_PER_NAME_GUESS = 8.0


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


@dataclass(frozen=True)
class Draw:
    """One draw: the context, the distribution as the model gave it and as it was drawn."""

    context: tuple[int, ...]  # the n−1 token indices conditioned on, oldest first
    original: torch.Tensor  # the model's P(next | context), float64
    probs: torch.Tensor  # after temperature and top-k: what the draw used
    uniforms: torch.Tensor  # the random numbers consumed: 1 (classic) or V (torch)
    chosen: int
    cumulative: torch.Tensor | None = None  # classic: the CDF u was placed on
    race: torch.Tensor | None = None  # torch: q per token; the winner maximised p / q


def inverse_cdf_index(cumulative: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """First index whose cumulative probability reaches u, for each row and u."""
    index = torch.searchsorted(cumulative, u)
    # Rounding can leave the last cumulative sum a hair below 1; u may land past it.
    return index.clamp_max(cumulative.shape[-1] - 1)


def exponential_race(row: torch.Tensor, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    q = -torch.log1p(-u)
    return q, torch.argmax(row / q, dim=-1)


# A row for the classic draw as plain lists: the cumulative sums then +inf, and the token that
# each answer of bisect_left on them stands for (see `classic_choices`).
ClassicRow = tuple[list[float], list[int]]


def classic_sums(rows: torch.Tensor) -> torch.Tensor:
    """Each row's cumulative sums, as `draw_from` makes them, then +inf: bisect_left of u on
    them is searchsorted's answer, V for a u past the final sum."""
    sums = rows.cumsum(dim=-1).double()
    return torch.cat([sums, torch.full((*sums.shape[:-1], 1), torch.inf, dtype=sums.dtype)], -1)


def classic_choices(rows: torch.Tensor) -> torch.Tensor:
    """For each row and each answer i of bisect_left on its `classic_sums`, the token
    `draw_from` draws: i when possible, else the last possible token (i = V is a u past a
    final sum a hair below 1; an impossible i < V, only a u of 0 before an impossible '.')."""
    size = rows.shape[-1]
    possible = torch.cat([rows > 0, torch.zeros(*rows.shape[:-1], 1, dtype=torch.bool)], -1)
    last = size - 1 - (rows > 0).flip(-1).int().argmax(dim=-1, keepdim=True)
    return torch.where(possible, torch.arange(size + 1), last)


def classic_row(row: torch.Tensor) -> ClassicRow:
    """One shaped row as the classic draw's lists (a row with a distribution)."""
    return classic_sums(row).tolist(), classic_choices(row).tolist()


def draw_from(
    row: torch.Tensor, algorithm: str, generator: torch.Generator
) -> tuple[torch.Tensor, int, torch.Tensor | None, torch.Tensor | None]:
    """(uniforms, chosen, cumulative, race) of one draw from `row` by `algorithm`."""
    if algorithm == "classic":
        cumulative = row.cumsum(0)
        u = torch.rand(1, dtype=torch.float64, generator=generator)
        chosen = int(inverse_cdf_index(cumulative, u))
        if row[chosen] == 0:
            chosen = int(row.nonzero().max())  # the last token that is possible
        return u, chosen, cumulative, None
    u = torch.rand(row.shape[0], dtype=torch.float64, generator=generator)
    q, winner = exponential_race(row, u)
    return u, int(winner), None, q


def context_id(context: Sequence[int], size: int) -> int:
    """The base-V id of a context, oldest token most significant."""
    value = 0
    for token in context:
        value = value * size + token
    return value


class _OrDefault(dict[int, "ClassicRow | None"]):
    """A dict that gives `default` for a key it lacks."""

    def __init__(self, items: dict[int, ClassicRow | None], default: ClassicRow | None) -> None:
        super().__init__(items)
        self.default = default

    def __missing__(self, key: int) -> ClassicRow | None:
        return self.default


class Rows:
    """The model's rows, original and shaped, each computed once: the contexts the model
    knows (all observed contexts of a counts model) together at the start, in one call, and
    any other the first time it is met."""

    def __init__(self, model: NextTokenModel, temperature: float, top_k: int | None) -> None:
        self.model = model
        self.temperature = check_temperature(temperature)
        self.top_k = check_top_k(top_k)
        size = model.vocab.size
        known = model.known_contexts()
        listed_known = len(known) * size <= _PRECOMPUTED_NUMBERS
        if not listed_known:
            known = known[:0]
        # The known rows, one tensor each: a row is a view into them, found by `index`.
        self.original = model.next_probs(known)
        self.shaped = shape_probs(self.original, self.temperature, self.top_k)
        self.index: dict[int, int] = dict(zip(known.tolist(), range(len(known))))
        self._has_row = (self.original > 0).any(dim=1).tolist()
        self._met: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
        # Every context outside `index` shares this row, when the model has one.
        self.unseen: tuple[torch.Tensor, torch.Tensor] | None = None
        # Too many known rows to make up front: then nothing tells a known context from an
        # unseen one here, so every row is the model's own, made when its context is met.
        unseen = model.unseen_row() if listed_known else None
        if unseen is not None:
            shaped = shape_probs(unseen.unsqueeze(0), self.temperature, self.top_k)[0]
            self.unseen = (unseen, shaped)
        self.unseen_has_row = unseen is not None and bool((unseen > 0).any())
        # Draws a name took in the last batch sampled from these rows, by algorithm: the next
        # batch draws about as many random numbers as it needs at once.
        self.draws_per_name: dict[str, float] = {}

    def serves(self, model: NextTokenModel, temperature: float, top_k: int | None) -> bool:
        """Whether these are the rows of `model` shaped by `temperature` and `top_k`."""
        return self.model is model and (self.temperature, self.top_k) == (temperature, top_k)

    @cached_property
    def classic_lists(self) -> list[ClassicRow | None] | dict[int, ClassicRow | None]:
        """The shaped rows as plain lists for the classic draw, by context id: the known
        contexts' rows, and for every other context the unseen row when it has a
        distribution. None where a row is not listed: a context with no distribution (which
        raises when it is met, in `get`), or known rows too many to make lists of in one go
        (then each is made when it is met, by `classic_row`). A list when there are few
        contexts, else a dict that gives every context it lacks the unseen row."""
        size = self.model.vocab.size
        span = size ** (self.model.order - 1)
        unseen = None
        if self.unseen is not None and self.unseen_has_row:
            unseen = classic_row(self.unseen[1])
        listed: dict[int, ClassicRow | None] = dict.fromkeys(self.index)
        shaped = self.shaped
        if 0 < shaped.numel() <= _LISTED_NUMBERS:
            sums, choices = classic_sums(shaped).tolist(), classic_choices(shaped).tolist()
            for key, row_sums, row_choices, has_row in zip(
                self.index, sums, choices, self._has_row, strict=True
            ):
                listed[key] = (row_sums, row_choices) if has_row else None
        if span > _DENSE_CONTEXTS:
            return _OrDefault(listed, unseen)
        table = [unseen] * span
        for key, row in listed.items():
            table[key] = row
        return table

    def get(self, key: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(original, shaped) row of the context whose id is `key`."""
        i = self.index.get(key)
        if i is not None:
            if not self._has_row[i]:
                raise self.no_distribution(key)
            return self.original[i], self.shaped[i]
        if self.unseen is not None:
            if not self.unseen_has_row:
                raise self.no_distribution(key)
            return self.unseen
        found = self._met.get(key)
        if found is None:
            original = self.model.next_probs(torch.tensor([key]))[0]
            shaped = shape_probs(original.unsqueeze(0), self.temperature, self.top_k)[0]
            found = self._met[key] = (original, shaped)
        if not bool((found[0] > 0).any()):
            raise self.no_distribution(key)
        return found

    def no_distribution(self, key: int) -> NgramError:
        vocab, order = self.model.vocab, self.model.order
        digits = []
        for _ in range(order - 1):
            key, digit = divmod(key, vocab.size)
            digits.append(vocab.itos[digit])
        shown = "".join(reversed(digits))
        return NgramError(
            f"context {shown!r} was never seen in training, so it has no distribution; "
            "sample with smoothing k > 0"
        )


@dataclass
class Sampler:
    """Draws one token per `step()`; a finished name goes to `history`."""

    model: NextTokenModel
    algorithm: str = "classic"
    seed: int = DEFAULT_SEED
    max_length: int = DEFAULT_MAX_LENGTH
    temperature: float = 1.0
    top_k: int | None = None
    history: list[SampledName] = field(default_factory=list)
    reuse: Rows | None = field(default=None, repr=False)  # rows made earlier, if they serve

    def __post_init__(self) -> None:
        check_sampler(self.algorithm)
        check_max_length(self.max_length)
        reuse = self.reuse
        if reuse is None or not reuse.serves(self.model, self.temperature, self.top_k):
            reuse = Rows(self.model, self.temperature, self.top_k)
        self.rows: Rows = reuse
        self.reuse = None
        self.temperature, self.top_k = self.rows.temperature, self.rows.top_k
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
        self.algorithm = check_sampler(algorithm)

    def set_shaping(self, temperature: float = 1.0, top_k: int | None = None) -> None:
        """Takes effect from the next draw; the name in progress carries on."""
        self.rows = Rows(self.model, temperature, top_k)
        self.temperature, self.top_k = self.rows.temperature, self.rows.top_k

    def row(self, context: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """(original, shaped) row of a context."""
        return self.rows.get(context_id(context, self.model.vocab.size))

    def step(self) -> tuple[Draw, SampledName | None]:
        """One draw. Returns it, and the name it finished, if it finished one."""
        original, shaped = self.row(self.context)
        uniforms, chosen, cumulative, race = draw_from(shaped, self.algorithm, self.generator)
        draw = Draw(self.context, original, shaped, uniforms, chosen, cumulative, race)
        finished = extend_name(self.current, chosen, self.model.vocab.itos, self.max_length)
        if finished is None:
            self.context = (*self.context[1:], chosen) if self.context else ()
        else:
            self.history.append(finished)
            self.context, self.current = self.start, []
        return draw, finished

    def finish_name(self) -> tuple[list[Draw], SampledName]:
        draws = []
        while True:
            draw, finished = self.step()
            draws.append(draw)
            if finished is not None:
                return draws, finished
