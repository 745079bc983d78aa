"""Finding the dataset: --data, then BIGRAM_TUI_DATA, then the built-in names.txt."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bigram_tui.core import dataset
from bigram_tui.core.data import DataError
from bigram_tui.core.dataset import (
    BUILTIN_FILENAME,
    BUILTIN_LABEL,
    BUILTIN_SHA256,
    DATA_ENV_VAR,
    DatasetUnavailable,
    builtin_dataset,
    dataset_label,
    resolve_dataset,
)

from ..cli.helpers import one_line_error, run_cli

pytestmark = pytest.mark.usefixtures("no_data_variable")


@pytest.fixture
def damaged_builtin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built-in names.txt as a bad install would leave it: one byte changed."""
    copy = tmp_path / BUILTIN_FILENAME
    good = builtin_dataset().read_bytes()
    copy.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    monkeypatch.setattr(dataset, "_builtin_path", lambda: copy)
    return copy


# --- the built-in file ------------------------------------------------------------


def test_builtin_names_txt_is_makemores() -> None:
    path = builtin_dataset()
    content = path.read_bytes()
    assert hashlib.sha256(content).hexdigest() == BUILTIN_SHA256
    assert len(content) == 228_145 and not content.endswith(b"\n")
    assert path.name == BUILTIN_FILENAME


def test_builtin_is_named_as_built_in(tmp_path: Path) -> None:
    mine = tmp_path / "names.txt"
    assert dataset_label(builtin_dataset()) == BUILTIN_LABEL == "names.txt (built-in)"
    assert dataset_label(builtin_dataset(), short=True) == BUILTIN_LABEL
    assert dataset_label(mine) == str(mine)
    assert dataset_label(mine, short=True) == "names.txt"


def test_damaged_builtin_is_refused_with_a_way_out(damaged_builtin: Path) -> None:
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset()
    message = str(caught.value)
    assert message.startswith("the built-in names.txt is damaged (sha256 ")
    assert "reinstall bigram-tui" in message and "\n" not in message


def test_missing_builtin_is_refused_with_a_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset, "_builtin_path", lambda: tmp_path / "gone.txt")
    with pytest.raises(DatasetUnavailable, match=r"cannot be read \(No such file.*reinstall"):
        resolve_dataset()


def test_damaged_builtin_through_the_cli(capsys, damaged_builtin: Path) -> None:
    line = one_line_error(*run_cli(capsys, "stats")[::2])
    assert line.startswith("bigram-tui: the built-in names.txt is damaged")


def test_damaged_builtin_is_not_read_when_a_file_is_given(
    damaged_builtin: Path, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("emma\n")
    assert resolve_dataset(mine) == mine


# --- the order of resolution -------------------------------------------------------


def test_nothing_given_means_the_builtin() -> None:
    assert resolve_dataset() == builtin_dataset()


def test_environment_variable_comes_before_the_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.txt"
    mine.write_text("emma\n")
    monkeypatch.setenv(DATA_ENV_VAR, str(mine))
    assert resolve_dataset() == mine


def test_data_argument_comes_before_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_argument = tmp_path / "arg.txt"
    from_environment = tmp_path / "env.txt"
    from_argument.write_text("emma\n")
    from_environment.write_text("ava\n")
    monkeypatch.setenv(DATA_ENV_VAR, str(from_environment))
    assert resolve_dataset(str(from_argument)) == from_argument


def test_user_files_are_not_checksummed(tmp_path: Path) -> None:
    mine = tmp_path / "names.txt"
    mine.write_text("anything at all\n")
    assert resolve_dataset(str(mine)) == mine


def test_bad_data_argument_is_an_error_not_a_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))  # never consulted
    with pytest.raises(DataError, match="no such file"):
        resolve_dataset(str(tmp_path / "typo.txt"))


def test_bad_environment_variable_says_where_the_path_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone.txt"
    monkeypatch.setenv(DATA_ENV_VAR, str(missing))
    with pytest.raises(DataError) as caught:
        resolve_dataset()
    assert str(caught.value).startswith(f"{missing} (from {DATA_ENV_VAR}): no such file;")


def test_empty_environment_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_ENV_VAR, "")
    assert resolve_dataset() == builtin_dataset()


# --- a fresh machine ----------------------------------------------------------------


def test_stats_works_offline_with_an_empty_home(tmp_path: Path) -> None:
    """`bigram-tui stats` with nothing set reads the built-in names.txt: no cache, no network."""
    home = tmp_path / "home"
    home.mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key != DATA_ENV_VAR and not key.startswith("BIGRAM_TUI_")
    }
    environment.update(
        HOME=str(home), XDG_CACHE_HOME=str(home), XDG_DATA_HOME=str(home), NO_COLOR="1"
    )
    script = Path(sys.executable).with_name("bigram-tui")
    entry = "from bigram_tui.tui.cli.main import main; raise SystemExit(main())"
    command = [str(script)] if script.is_file() else [sys.executable, "-c", entry]
    result = subprocess.run(
        [*command, "stats"],
        cwd=home,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
    lines = dict(line.split(None, 1) for line in result.stdout.splitlines()[:3])
    assert lines == {"data": BUILTIN_LABEL, "words": "32033", "bigrams": "228146"}
    assert list(home.iterdir()) == []  # nothing cached, nothing written
