"""NG's portable generator (EurekaLabsAI/ngram's `RNG`), its draw, and its sampling loop.

NG wants the same samples from Python and C, so it does not use either language's random
module but xorshift64* on a 64-bit state:

    state ^= state >> 12;  state ^= state << 25;  state ^= state >> 27   (mod 2^64)
    u32 = bits 32..63 of (state · 0x2545F4914F6CDD1D mod 2^64)

and a coin in [0, 1) from the top 24 bits of u32, (u32 >> 8) / 2^24, which a float32
holds exactly. A token is drawn by walking the running sum of its probabilities until it
passes the coin. Sampling starts the tape at n−1 boundary tokens and draws one coin per
character, newlines included: the text runs on across names, as NG prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from .vocab import Vocab

_MASK_64 = (1 << 64) - 1
_MULTIPLIER = 0x2545F4914F6CDD1D


class XorShift64Star:
    """NG's RNG: xorshift64* seeded with the state itself (a seed of 0 stays 0 for ever)."""

    def __init__(self, seed: int) -> None:
        if not 0 <= seed <= _MASK_64:
            raise ValueError(f"the xorshift seed must be from 0 to 2^64 − 1, not {seed}")
        self.state = seed

    def random_u32(self) -> int:
        """The next 32-bit output; advances the state once."""
        state = self.state
        state ^= state >> 12
        state = (state ^ (state << 25)) & _MASK_64
        state ^= state >> 27
        self.state = state
        return ((state * _MULTIPLIER) & _MASK_64) >> 32

    def random(self) -> float:
        """A coin in [0, 1): the top 24 bits of random_u32, over 2^24."""
        return (self.random_u32() >> 8) / 16777216.0


def draw(probs: Sequence[float], coin: float) -> int:
    """The first index whose running sum of `probs` exceeds `coin`.

    If rounding leaves the total at or below the coin, the last index, as NG does.
    """
    running = 0.0
    for index, prob in enumerate(probs):
        running += prob
        if coin < running:
            return index
    return len(probs) - 1


RowFunction = Callable[[tuple[int, ...]], torch.Tensor | Sequence[float]]


def sample_tokens(row: RowFunction, order: int, count: int, rng: XorShift64Star) -> list[int]:
    """`count` token ids drawn one coin each, the tape starting at order−1 boundaries (0).

    `row(context)` gives P(· | context) for a tuple of the order−1 latest ids (the empty
    tuple at order 1); the drawn token then slides into the tape.
    """
    tape = (0,) * (order - 1)
    drawn = []
    for _ in range(count):
        probs = row(tape)
        # Python floats: the running sum is float64 arithmetic, as in NG.
        values = probs.tolist() if isinstance(probs, torch.Tensor) else list(probs)
        token = draw(values, rng.random())
        drawn.append(token)
        if order > 1:
            tape = (*tape[1:], token)
    return drawn


def sample_text(row: RowFunction, vocab: Vocab, order: int, count: int, seed: int) -> str:
    """NG's sample: `count` characters from a fresh generator, the boundary as a newline."""
    tokens = sample_tokens(row, order, count, XorShift64Star(seed))
    itos = ("\n", *vocab.itos[1:])
    return "".join(itos[t] for t in tokens)
