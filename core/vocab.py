"""The vocabulary: the characters of the data, with '.' at index 0 as both start and end."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BOUNDARY = "."
START_TOKEN = "<S>"
END_TOKEN = "<E>"


@dataclass(frozen=True)
class Vocab:
    """Index 0 is the boundary token; the data's characters follow in sorted order."""

    chars: tuple[str, ...]
    stoi: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if BOUNDARY in self.chars:
            raise ValueError(f"{BOUNDARY!r} is reserved for the start/end token")
        if list(self.chars) != sorted(set(self.chars)):
            raise ValueError("vocabulary characters must be unique and sorted")
        stoi = {BOUNDARY: 0} | {ch: i + 1 for i, ch in enumerate(self.chars)}
        object.__setattr__(self, "stoi", stoi)

    @classmethod
    def from_words(cls, words: Iterable[str]) -> Vocab:
        # A small dataset need not contain every letter, so the vocabulary comes from the data.
        return cls(tuple(sorted(set().union(*map(set, words)))))

    @property
    def itos(self) -> tuple[str, ...]:
        return (BOUNDARY, *self.chars)

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def __len__(self) -> int:
        return self.size

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def unknown_chars(self, word: str) -> list[int]:
        """Positions in `word` of characters the model has never seen (the boundary counts)."""
        return [i for i, ch in enumerate(word) if ch not in self.stoi or ch == BOUNDARY]

    def encode(self, word: str) -> list[int]:
        """Indices of '.' + word + '.'; raises KeyError naming the first unknown character."""
        bad = self.unknown_chars(word)
        if bad:
            raise KeyError(word[bad[0]])
        return [0, *(self.stoi[ch] for ch in word), 0]

    def decode(self, indices: Iterable[int]) -> str:
        itos = self.itos
        return "".join(itos[i] for i in indices if i != 0)
