"""The race (the "torch" draw) for many names at once, walked in lanes: the stream of draws
is cut into stretches that are walked side by side from a guessed start, then stitched where
a guess was wrong.

A race draw reads V uniforms, u ~ U(0,1) per token, and picks argmax p / q with
q = −log1p(−u): V divisions and an argmax, too many for a Python loop a draw. Why lanes give
the Sampler's names bit for bit: the i-th draw always reads the i-th V uniforms, whatever its
context; what it chooses depends only on its state and those numbers. The state is the
context, and the name's length too where a name may be cut at max_length. Hence:

1. Lanes. A window of N = K·L draws is cut into K stretches of L draws, and every stretch is
   walked from the state a name starts in ('.' context, length 0): the true state for the
   first stretch, a guess for the others. The K walks take one numpy step together per draw,
   and record the state and the choice of every draw.
2. Stitching. Stretch k truly starts in the state stretch k−1 ends in. Where that is not the
   guess, a walker starts there from the true state, and walks until it meets the record: from
   a draw whose recorded state is the walker's on, the record is that state's walk, so the
   walker stops. A walker that reaches the end of its stretch walks on into the next, over a
   record that is again a walk of its own (the next stretch's walker writes ahead of it), so
   one pass stitches the window. For a bigram two walks meet within a few draws: the same q
   often makes different rows pick the same token.
3. The window ends with its last whole name; the next window starts with the unfinished one,
   in the state names start in.

Lengths cost a third of every step, and a name of names.txt is never near max_length (256
by default); so the walk is first made on contexts alone, and then checked: the names are
the true ones up to the first that reaches max_length tokens, cut there, which ends the
window. After such a cut, the windows left are walked with lengths in the state.

A draw in a context with no distribution (k = 0 and an unseen context) makes an arbitrary
but fixed choice in the lanes, so the walks stay well defined; only if the true walk reaches
it before the last name wanted does it raise, with Rows.get's error, as the Sampler would.
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from .sampling import DRAWS_PER_NAME_GUESS, Rows

_BLOCK = 1024  # draws per call to the generator, at the least
# torch runs log1p on more than 2,048 numbers in parallel, and on a busy machine waking the
# other threads can cost milliseconds: it is given this many numbers a call.
_SERIAL_NUMBERS = 2048
_LANE_NUMBERS = 1 << 22  # rows × V the lane tables may hold (32 MB of float64)
_WINDOW_NUMBERS = 1 << 22  # uniforms a window holds at most (32 MB), beyond one whole name
_DENSE_SPAN = 1 << 21  # contexts up to this many are looked up in a dense table (8 MB)
_LANE_DRAWS = 32  # draws per lane: fewer lanes take more steps, more lanes more stitching


class LaneRows:
    """The rows a lane walk reads, as numpy arrays indexed by slot: the known rows in Rows'
    order, then the row every other context shares (the unseen row, or no distribution).

    Made only when that is every row the walk can meet (`of` gives None otherwise)."""

    def __init__(self, rows: Rows, size: int, span: int) -> None:
        self.size, self.span = size, span
        ids = np.fromiter(rows.index, dtype=np.int64, count=len(rows.index))
        self.other = len(ids)  # the slot of every context not in rows.index
        self._dense: np.ndarray | None = None
        if span <= _DENSE_SPAN:
            self._dense = np.full(span, self.other, dtype=np.intp)
            self._dense[ids] = np.arange(len(ids))
        else:
            self._sorted_order = np.argsort(ids)
            self._sorted_ids = ids[self._sorted_order]
        shaped, original = rows.shaped.detach(), rows.original.detach()
        other = other_original = torch.zeros(1, size, dtype=torch.float64)
        if rows.unseen is not None:
            other_original, other = rows.unseen[0].unsqueeze(0), rows.unseen[1].unsqueeze(0)
        # float64: what dividing a row by q (float64) makes of it, as in the Sampler.
        self.probs = torch.cat([shaped.double(), other.detach().double()]).numpy()
        original = torch.cat([original.double(), other_original.detach().double()])
        self.has_row = (original > 0).any(dim=1).numpy()
        # Whether every row a walk can meet has a distribution (the shared one is met only
        # when some context is not known).
        known_rows = self.has_row[: self.other].all()
        self.every_row = bool(known_rows and (self.has_row[-1] or len(ids) == span))

    @classmethod
    def of(cls, rows: Rows) -> LaneRows | None:
        """The lane tables of `rows`, made once per Rows; None when they cannot serve."""
        tables = _TABLES.get(rows)
        if tables is None:
            model = rows.model
            size = model.vocab.size
            span = size ** (model.order - 1)
            every_row_known = rows.unseen is not None or len(rows.index) == span
            if not every_row_known or (len(rows.index) + 1) * size > _LANE_NUMBERS:
                return None
            tables = _TABLES[rows] = cls(rows, size, span)
        return tables

    def slots(self, contexts: np.ndarray) -> np.ndarray:
        """The slot of each context id."""
        if self._dense is not None:
            return self._dense[contexts]
        if not len(self._sorted_ids):
            return np.full(len(contexts), self.other)
        at = np.searchsorted(self._sorted_ids, contexts).clip(max=len(self._sorted_ids) - 1)
        return np.where(self._sorted_ids[at] == contexts, self._sorted_order[at], self.other)


_TABLES: weakref.WeakKeyDictionary[Rows, LaneRows] = weakref.WeakKeyDictionary()


class _Draws:
    """The generator's race draws in order, from the first one no name has used yet: for each
    draw, r = log1p(−u) of its V uniforms. r is −q, exactly: p / r is −(p / q), so the token
    with the least p / r is the race's winner, the first on ties as for the most p / q."""

    def __init__(self, generator: torch.Generator, size: int) -> None:
        self.generator, self.size = generator, size
        self.buffer = np.empty((0, size))

    def first(self, count: int) -> np.ndarray:
        """The next `count` draws, left in place until `drop` takes them."""
        missing = count - len(self.buffer)
        if missing > 0:
            drawn = self._draw(-(-missing // _BLOCK) * _BLOCK)
            self.buffer = np.concatenate([self.buffer, drawn]) if len(self.buffer) else drawn
        return self.buffer[:count]

    def drop(self, count: int) -> None:
        self.buffer = self.buffer[count:]

    def _draw(self, draws: int) -> np.ndarray:
        u = torch.rand(draws * self.size, dtype=torch.float64, generator=self.generator)
        np.negative(u.numpy(), out=u.numpy())  # exact, and in numpy: torch's neg may fork too
        for start in range(0, len(u), _SERIAL_NUMBERS):
            u[start : start + _SERIAL_NUMBERS].log1p_()
        return u.numpy().reshape(draws, self.size)


class _Walk:
    """One window of N = K·L draws, walked in K lanes and stitched: the context and choice of
    each draw (and the name's length before it, when `cuts`) on the true walk from the
    window's first draw, which begins a name."""

    def __init__(
        self, tables: LaneRows, r: np.ndarray, lanes: int, length: int, max_length: int,
        cuts: bool,
    ) -> None:  # fmt: skip
        self.tables, self.r = tables, r
        self.max_length, self.cuts = max_length, cuts
        count = lanes * length
        self.context = np.zeros(count, dtype=np.int64)  # the context each draw was made in
        self.chosen = np.zeros(count, dtype=np.int64)
        # The name's length before each draw, when the state has it.
        self.name_length = np.zeros(count if cuts else 0, dtype=np.int64)
        self._keep = tables.span // tables.size  # a context's newest n−2 tokens: id % this
        starts = np.arange(lanes) * length
        contexts, lengths = self.walk_lanes(lanes, length)
        # Lane k's true start is the state lane k−1 ends in; lane 0's is the guess.
        broken = contexts[:-1] != 0
        if lengths is not None:
            broken |= lengths[:-1] != 0
        wrong = np.flatnonzero(broken)
        self.stitch(starts[wrong + 1], contexts[wrong], None if lengths is None else lengths[wrong])

    def choose(self, contexts: np.ndarray, r: np.ndarray) -> np.ndarray:
        """The race's winner of each draw: the least p / r (see _Draws)."""
        return (self.tables.probs[self.tables.slots(contexts)] / r).argmin(axis=1)

    def after(
        self, contexts: np.ndarray, lengths: np.ndarray | None, chosen: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The states after each draw: '.' ends the name, and so does its max_length-th token
        when the state has lengths."""
        if self._keep == 1:  # a bigram: the context is the token drawn, '.' included
            newest = chosen
        elif self._keep:
            newest = contexts % self._keep * self.tables.size + chosen
        else:  # a unigram has one context
            newest = contexts
        if lengths is None:
            return newest * (chosen != 0), None
        ended = (chosen == 0) | (lengths == self.max_length - 1)
        return np.where(ended, 0, newest), np.where(ended, 0, lengths + 1)

    def walk_lanes(self, lanes: int, length: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Step 1: every lane from the state a name starts in; returns the states they end in."""
        size = self.tables.size
        context_rows = self.context.reshape(lanes, length)  # lane k's draws: row k
        chosen_rows = self.chosen.reshape(lanes, length)
        length_rows = self.name_length.reshape(lanes, length) if self.cuts else None
        r_rows = self.r.reshape(lanes, length, size)
        probs, slots = self.tables.probs, self.tables.slots
        ratios = np.empty((lanes, size))
        contexts = np.zeros(lanes, dtype=np.int64)
        lengths = np.zeros(lanes, dtype=np.int64) if self.cuts else None
        for step in range(length):
            context_rows[:, step] = contexts
            if length_rows is not None and lengths is not None:
                length_rows[:, step] = lengths
            np.take(probs, slots(contexts), axis=0, out=ratios)
            np.divide(ratios, r_rows[:, step], out=ratios)
            chosen = chosen_rows[:, step] = ratios.argmin(axis=1)
            contexts, lengths = self.after(contexts, lengths, chosen)
        return contexts, lengths

    def stitch(
        self, positions: np.ndarray, contexts: np.ndarray, lengths: np.ndarray | None
    ) -> None:
        """Step 2: a walker from each true state, until its state is the one recorded."""
        end = len(self.chosen)
        while len(positions):
            walking = self.context[positions] != contexts
            if lengths is not None:
                walking |= self.name_length[positions] != lengths
            if not walking.all():
                positions, contexts = positions[walking], contexts[walking]
                lengths = None if lengths is None else lengths[walking]
                if not len(positions):
                    return
            self.context[positions] = contexts
            if lengths is not None:
                self.name_length[positions] = lengths
            chosen = self.chosen[positions] = self.choose(contexts, self.r[positions])
            contexts, lengths = self.after(contexts, lengths, chosen)
            positions = positions + 1
            if positions[-1] == end:  # the last walker ran off the window
                positions, contexts = positions[:-1], contexts[:-1]
                lengths = None if lengths is None else lengths[:-1]

    def ends(self) -> tuple[np.ndarray, bool]:
        """Step 3: the draws that end a name ('.' or the max_length-th token) on the true
        walk, and whether a cut ended the true walk of a walk without lengths."""
        if self.cuts:
            return np.flatnonzero(
                (self.chosen == 0) | (self.name_length == self.max_length - 1)
            ), False  # fmt: skip
        dots = np.flatnonzero(self.chosen == 0)
        starts = np.concatenate([[0], dots + 1])  # of each name, and of the unfinished one
        stops = np.append(dots, len(self.chosen))
        too_long = np.flatnonzero(stops - starts >= self.max_length)
        if not len(too_long):
            return dots, False
        first = too_long[0]  # the first name cut; past its cut, the walk is not the true one
        return np.append(dots[:first], starts[first] + self.max_length - 1), True

    def first_without_row(self, before: int) -> int | None:
        """The first draw before `before` made in a context with no distribution, if any."""
        if self.tables.every_row:
            return None
        missing = np.flatnonzero(~self.tables.has_row[self.tables.slots(self.context[:before])])
        return int(missing[0]) if len(missing) else None


def walk_in_lanes(
    rows: Rows, tables: LaneRows, n: int, generator: torch.Generator, max_length: int
) -> tuple[np.ndarray, np.ndarray]:
    """The race walk of `n` names: the token of every draw, and the draws ending a name."""
    draws = _Draws(generator, tables.size)
    chosen: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    found = used = 0  # names found, and the draws they took
    per_name = rows.draws_per_name.get("torch", DRAWS_PER_NAME_GUESS)
    longest = max(1, _WINDOW_NUMBERS // tables.size)
    window = window_names = 0
    cuts = max_length <= _LANE_DRAWS  # names are likely cut: lengths from the start
    margin = 1.05 if "torch" in rows.draws_per_name else 1.0  # the guess is generous itself
    while found < n:
        wanted = int((n - found) * per_name * margin) + 16
        if window and not window_names:
            wanted = 2 * window  # not one whole name fitted: a longer window
        wanted = min(wanted, max(longest, max_length))  # a name has max_length draws at most
        lanes = -(-wanted // _LANE_DRAWS)
        length = -(-wanted // lanes)
        window = lanes * length
        walk = _Walk(tables, draws.first(window), lanes, length, max_length, cuts)
        window_ends, cut = walk.ends()
        window_ends = window_ends[: n - found]
        true_walk = window_ends[-1] + 1 if cut else window  # the draws that are the true walk
        missing = walk.first_without_row(true_walk)
        if missing is not None and (len(window_ends) < n - found or missing <= window_ends[-1]):
            rows.get(int(walk.context[missing]))  # the draw the Sampler fails on: raises
        cuts = cuts or cut
        if not len(window_ends):
            window_names = 0
            continue
        took = int(window_ends[-1]) + 1
        chosen.append(walk.chosen[:took].copy())  # a copy: the window's arrays can go
        ends.append(window_ends + used)
        found, used = found + len(window_ends), used + took
        window_names = len(window_ends)
        draws.drop(took)
        per_name, margin = used / found, 1.05
    rows.draws_per_name["torch"] = per_name
    return np.concatenate(chosen), np.concatenate(ends)
