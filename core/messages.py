"""Outside text in one-line messages: paths escaped, long character lists abbreviated.

Torch-free; both front ends and the core's own errors use it, so a path or a vocabulary
is shown the same way everywhere.
"""

from __future__ import annotations

import os


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path fit to print: as typed, or quoted with escapes if it holds anything unprintable
    (an escape sequence in a file name must never reach the terminal raw)."""
    text = os.fsdecode(path)
    # An empty path would make a message start with ": no such model file".
    return text if text.isprintable() and text else repr(text)


def abbreviated(text: str, limit: int = 60) -> str:
    """`text`, or its start and end around '…' when it is longer than `limit`."""
    return text if len(text) <= limit else text[: limit - 10] + "…" + text[-9:]
