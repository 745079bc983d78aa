"""The large word list the bench counts: made here, deterministically, never committed.

Names of 2–15 letters drawn from names.txt's letters at names.txt's letter frequencies,
one per line. numpy writes ~50 MB in well under a second; a Python loop per name would
take longer than the counting it is meant to measure.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .results import log

BIG_FILE_BYTES = 50_000_000
SEED = 2147483647
MIN_LENGTH, MAX_LENGTH = 2, 15  # names.txt's shortest and longest word


def letter_frequencies(source: Path) -> tuple[bytes, np.ndarray]:
    text = source.read_text(encoding="utf-8")
    frequency = Counter(ch for ch in text if not ch.isspace())
    letters = sorted(frequency)
    if not all(ch.isascii() for ch in letters):
        raise ValueError("the generator writes ASCII letters only")
    weights = np.array([frequency[ch] for ch in letters], dtype=np.float64)
    return "".join(letters).encode("ascii"), weights / weights.sum()


def write_word_list(path: Path, source: Path, size: int = BIG_FILE_BYTES, seed: int = SEED) -> int:
    """Write about `size` bytes of names to `path`; returns the number of words."""
    letters, probs = letter_frequencies(source)
    rng = np.random.default_rng(seed)
    # Enough lengths for `size` bytes: each word takes its length + 1 for "\n".
    lengths = rng.integers(MIN_LENGTH, MAX_LENGTH + 1, size=size // (MIN_LENGTH + 1))
    ends = np.cumsum(lengths + 1)
    words = int(np.searchsorted(ends, size, side="right"))
    total = int(ends[words - 1])
    alphabet = np.frombuffer(letters, dtype=np.uint8)
    buffer = alphabet[rng.choice(len(alphabet), size=total, p=probs)]
    buffer[ends[:words] - 1] = ord("\n")
    path.write_bytes(buffer.tobytes())
    return words


def big_word_list(workdir: Path, source: Path, size: int = BIG_FILE_BYTES) -> Path:
    """The word list of about `size` bytes in `workdir`, written on first use in a run."""
    path = workdir / f"words-{size / 1e6:g}MB.txt"
    if not path.exists():
        log(f"  generating {size / 1e6:g} MB word list in {workdir}")
        write_word_list(path, source, size)
    return path
