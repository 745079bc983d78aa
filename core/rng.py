"""Seeds and generators: every random number in bigram-tui comes from a seeded torch.Generator."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

from .defaults import DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "MAX_SEED", "check_seed", "make_generator"]
MAX_SEED = 2**64 - 1  # what torch.Generator.manual_seed accepts


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**64-1, got {seed}")
    return seed


def make_generator(seed: int = DEFAULT_SEED) -> torch.Generator:
    # Imported here so that the seed constants load without torch (the app needs them at once).
    import torch

    return torch.Generator().manual_seed(check_seed(seed))
