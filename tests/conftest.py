"""Shared fixtures: names.txt from BIGRAM_TUI_DATA, else ../shared, else the built-in copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"


def find_names_txt() -> Path | None:
    candidate = os.environ.get("BIGRAM_TUI_DATA")
    if candidate and Path(candidate).is_file():
        return Path(candidate)
    if SHARED_NAMES.is_file():
        return SHARED_NAMES
    # A clean clone without ../shared still runs every test on the installed copy.
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
def names_path() -> Path:
    path = find_names_txt()
    if path is None:
        pytest.skip(
            "names.txt not found: set BIGRAM_TUI_DATA or place the repo beside ../shared/data"
        )
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
