"""Shared fixtures: the real dataset comes from ../shared or BIGRAM_TUI_DATA, never a copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_NAMES = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"


def find_names_txt() -> Path | None:
    candidate = os.environ.get("BIGRAM_TUI_DATA")
    if candidate and Path(candidate).is_file():
        return Path(candidate)
    return SHARED_NAMES if SHARED_NAMES.is_file() else None


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
    from bigram_tui.core.counts import BigramCounts

    return BigramCounts.from_words(names)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
):
    # No test may read or write the user's real cache.
    monkeypatch.setenv("BIGRAM_TUI_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    # With BIGRAM_TUI_DEBUG set, the CLI would show tracebacks that the tests forbid.
    monkeypatch.delenv("BIGRAM_TUI_DEBUG", raising=False)
