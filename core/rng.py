"""Seeds and generators: every random number in bigram-tui comes from a seeded torch.Generator."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

from .defaults import DEFAULT_SEED
from .params import check_seed


def make_generator(seed: int = DEFAULT_SEED) -> torch.Generator:
    # Imported here so that the seed constants load without torch (the app needs them at once).
    import torch

    return torch.Generator().manual_seed(check_seed(seed))
