"""NG's data files (EurekaLabsAI/ngram's data/*.txt), made here from the built-in names.txt.

NG made them so: the lines of readlines(), their indices shuffled after random.seed(42),
the first 1,000 test, the next 1,000 val, the rest train, each line written back as read.
names.txt's last line has no newline, so in train it runs into the name after it.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

# sha256 of NG's data/test.txt, val.txt and train.txt (commit 13f7465): byte for byte.
NG_SHA256 = {
    "test": "5951a7a2df9d9cc5fc9409e814a645eadba5e33e104a9e6e47f3cfe065a0d9d6",
    "val": "23195f8c2b2b69343f1e486a595b5e0e9977d373289fe306bb3adc9c171e9efc",
    "train": "814eca7d20168ba3a41ff1a6e41bedbfa8e72de37c974a3411f047f0b73b2f74",
}
SPLITS = ("train", "val", "test")


def builtin_names_path() -> Path:
    """The package's own names.txt: these tests never need ../shared."""
    from bigram_tui.core.dataset import builtin_dataset

    return builtin_dataset()


def make_ng_files(directory: Path) -> dict[str, Path]:
    """Write train.txt, val.txt and test.txt into `directory` as NG did; their paths."""
    with open(builtin_names_path(), encoding="utf-8") as handle:
        lines = handle.readlines()
    order = list(range(len(lines)))
    # NG seeds the global generator; a private Random draws exactly the same shuffle.
    random.Random(42).shuffle(order)
    picked = {"test": order[:1000], "val": order[1000:2000], "train": order[2000:]}
    paths = {}
    for split, indices in picked.items():
        path = directory / f"{split}.txt"
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(lines[i] for i in indices)
        paths[split] = path
    return paths


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
