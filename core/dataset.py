"""Which word list to read: --data PATH, else $BIGRAM_TUI_DATA, else the built-in names.txt.

The built-in file is makemore's names.txt (MIT licence, see NAMES_LICENSE beside
it), shipped inside the package so the tool works offline the moment it is
installed. Its content is known, so its sha256 is checked before it is used; the
user's own files are taken as they are.

Only the standard library is used, so the app can find its data before torch loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from bigram_tui.core.data import DataError, check_readable
from bigram_tui.core.display import shown_path

__all__ = [
    "BUILTIN_FILENAME",
    "BUILTIN_LABEL",
    "BUILTIN_SHA256",
    "DATA_ENV_VAR",
    "SOURCE_URL",
    "DatasetUnavailable",
    "builtin_dataset",
    "dataset_label",
    "resolve_dataset",
]

BUILTIN_FILENAME = "names.txt"
BUILTIN_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
BUILTIN_LABEL = f"{BUILTIN_FILENAME} (built-in)"
SOURCE_URL = "https://github.com/karpathy/makemore/blob/master/names.txt"
DATA_ENV_VAR = "BIGRAM_TUI_DATA"

_WAY_OUT = f"reinstall bigram-tui, or pass --data PATH to a word list, or set {DATA_ENV_VAR}"


class DatasetUnavailable(Exception):
    """The built-in names.txt is missing or damaged; the message says what to do."""


def _builtin_path() -> Path:
    from importlib.resources import files

    resource = files("bigram_tui.core") / BUILTIN_FILENAME
    # An installed package is a directory; a zipped one would need extracting first.
    return Path(str(resource))


def builtin_dataset() -> Path:
    """The path of the built-in names.txt, once its sha256 has been checked."""
    import hashlib

    path = _builtin_path()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DatasetUnavailable(
            f"the built-in {BUILTIN_FILENAME} cannot be read ({reason}); {_WAY_OUT}"
        ) from None
    if digest != BUILTIN_SHA256:
        raise DatasetUnavailable(
            f"the built-in {BUILTIN_FILENAME} is damaged (sha256 {digest[:12]}…, "
            f"expected {BUILTIN_SHA256[:12]}…); {_WAY_OUT}"
        )
    return path


def dataset_label(path: Path, *, short: bool = False) -> str:
    """How to name a dataset to the user: 'names.txt (built-in)', else the path (or its name).

    The path is escaped (see `display`), so the label is safe to print anywhere.
    """
    if path == _builtin_path():
        return BUILTIN_LABEL
    return shown_path(path.name if short else path)


def resolve_dataset(data_arg: str | os.PathLike[str] | None = None) -> Path:
    """Return the path of the word list to read, in the order of the module docstring.

    Raises DataError when --data or BIGRAM_TUI_DATA names an unusable file (the
    user asked for that file, so falling back to names.txt would hide the
    mistake), and DatasetUnavailable when the built-in names.txt is damaged.
    """
    if data_arg is not None:
        return check_readable(data_arg)
    from_environment = os.environ.get(DATA_ENV_VAR)
    if from_environment:
        try:
            return check_readable(from_environment)
        except DataError as exc:
            raise DataError(exc.path, exc.problem, exc.line, origin=DATA_ENV_VAR) from None
    return builtin_dataset()
