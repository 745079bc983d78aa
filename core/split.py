"""Train/dev/test splits on words, by the lectures' convention, and where a name comes from.

`random.seed(seed); random.shuffle(words)` with Python's `random`, then cumulative fractions:
train = words[:int(0.8·n)], dev = words[int(0.8·n):int(0.9·n)], test = the rest. The split
is on words, never on n-grams, so no word's examples leak between the parts. The vocabulary
comes from the whole file before splitting, so dev and test hold no unknown character.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from .params import DEFAULT_SPLIT_SEED as SPLIT_SEED  # the lectures' 42, not the sampling seed
from .params import SPLIT_FRACTIONS, check_split, check_split_seed
from .vocab import Vocab

TRAIN, DEV_TEST, NEW = "train", "dev/test", "new"


@dataclass(frozen=True)
class WordSplit:
    vocab: Vocab  # from all the words, before the split
    train: tuple[str, ...]
    dev: tuple[str, ...]
    test: tuple[str, ...]
    seed: int = SPLIT_SEED
    _train_set: frozenset[str] = field(init=False, repr=False, compare=False)
    _held_out_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_train_set", frozenset(self.train))
        object.__setattr__(self, "_held_out_set", frozenset(self.dev) | frozenset(self.test))

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.train), len(self.dev), len(self.test)

    def classify(self, name: str) -> str:
        """'train' if the name is a training word, 'dev/test' if only held out, else 'new'."""
        if name in self._train_set:
            return TRAIN
        return DEV_TEST if name in self._held_out_set else NEW


def split_words(
    words: Sequence[str],
    fractions: Sequence[float] = SPLIT_FRACTIONS,
    seed: int = SPLIT_SEED,
) -> WordSplit:
    train_fraction, dev_fraction, _ = check_split(tuple(fractions))
    seed = check_split_seed(seed)
    vocab = Vocab.from_words(words)
    shuffled = list(words)
    # random.Random(seed).shuffle is random.seed(seed); random.shuffle(...) draw for draw,
    # without reseeding the global generator under everyone else's feet.
    random.Random(seed).shuffle(shuffled)
    n = len(shuffled)
    # Cumulative, as the lectures write int(0.8*n) and int(0.9*n).
    first = int(train_fraction * n)
    # Rounded, so 70/20/10 cuts at int(0.9·n) as 80/10/10 does, not at int(0.8999…·n).
    second = int(round(train_fraction + dev_fraction, 9) * n)
    return WordSplit(
        vocab,
        tuple(shuffled[:first]),
        tuple(shuffled[first:second]),
        tuple(shuffled[second:]),
        seed,
    )


def classify_names(names: Sequence[str], split: WordSplit) -> list[str]:
    """makemore's --sample-only check: is each sampled name from train, dev/test, or new?"""
    return [split.classify(name) for name in names]
