"""Shared fixtures. names.txt is always the package's built-in copy (byte for byte the file
of ../shared/data, checked by its sha256), copied under a temporary folder: so the tests
pass on a clone alone, and nothing they show depends on where the data came from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


def find_names_txt() -> Path:
    from bigram_tui.core.dataset import builtin_dataset

    return builtin_dataset()


# Seven of the lecture's names: a word list that counts and trains in a blink.
SMALL_WORDS = ("emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """SMALL_WORDS in a file, one a line."""
    path = tmp_path / "words.txt"
    path.write_text("\n".join(SMALL_WORDS) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def names_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in names.txt, as a plain file named names.txt (so the app shows 'names.txt')."""
    path = tmp_path_factory.mktemp("data") / "names.txt"
    shutil.copyfile(find_names_txt(), path)
    return path


@pytest.fixture(scope="session")
def names(names_path: Path) -> list[str]:
    return names_path.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def name_counts(names: list[str]):
    from bigram_tui.core.counts import NgramCounts

    return NgramCounts.from_words(names, 2)


@pytest.fixture
def no_data_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """BIGRAM_TUI_DATA unset: the dataset is only what the test names, or the built-in one."""
    from bigram_tui.core.dataset import DATA_ENV_VAR

    monkeypatch.delenv(DATA_ENV_VAR, raising=False)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    # With BIGRAM_TUI_DEBUG set, the CLI would show tracebacks that the tests forbid.
    monkeypatch.delenv("BIGRAM_TUI_DEBUG", raising=False)
