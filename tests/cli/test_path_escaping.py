"""A path holding terminal escapes is printed escaped, never raw, in every message and report."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import run_cli

# Retitles the terminal (OSC 0, ended by BEL) and clears the screen, if printed raw.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J"
SHOWN = r"\x1b]0;pwned\x07\x1b[2J"  # what a reader should see instead
WORDS = "emma\nava\nolivia\n"


def assert_no_raw_escape(*outputs: str) -> None:
    for output in outputs:
        assert "\x1b" not in output and "\x07" not in output, repr(output)


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    directory = tmp_path / HOSTILE
    directory.mkdir()
    return directory


@pytest.fixture
def hostile_data(hostile_dir: Path) -> Path:
    path = hostile_dir / f"{HOSTILE}.txt"
    path.write_text(WORDS, encoding="utf-8")
    return path


def test_stats_data_line_shows_the_path_escaped(capsys, hostile_data: Path) -> None:
    code, out, err = run_cli(capsys, "stats", "--data", hostile_data)
    assert code == 0, err
    assert_no_raw_escape(out, err)
    data_line = next(line for line in out.splitlines() if line.startswith("data"))
    assert SHOWN in data_line


def test_stats_from_the_environment_variable(capsys, hostile_data: Path, monkeypatch) -> None:
    monkeypatch.setenv("BIGRAM_TUI_DATA", str(hostile_data))
    code, out, err = run_cli(capsys, "stats")
    assert code == 0, err
    assert_no_raw_escape(out, err)
    assert SHOWN in out


@pytest.mark.parametrize("how", ["option", "environment"])
def test_missing_data_file_error(capsys, hostile_dir: Path, monkeypatch, how: str) -> None:
    missing = hostile_dir / f"{HOSTILE}missing.txt"
    if how == "option":
        code, out, err = run_cli(capsys, "stats", "--data", missing)
    else:
        monkeypatch.setenv("BIGRAM_TUI_DATA", str(missing))
        code, out, err = run_cli(capsys, "stats")
    assert code == 2
    assert_no_raw_escape(out, err)
    assert SHOWN in err and "no such file" in err


def test_save_into_a_missing_directory_error(capsys, tmp_path: Path) -> None:
    target = tmp_path / HOSTILE / "model.pt"  # the directory does not exist
    data = tmp_path / "words.txt"
    data.write_text(WORDS, encoding="utf-8")
    code, out, err = run_cli(capsys, "train", "--data", data, "--epochs", "1", "--save", target)
    assert code == 2
    assert_no_raw_escape(out, err)
    assert SHOWN in err


def test_save_onto_a_directory_error(capsys, hostile_dir: Path, hostile_data: Path) -> None:
    code, out, err = run_cli(
        capsys, "train", "--data", hostile_data, "--epochs", "1", "--save", hostile_dir
    )
    assert code == 2
    assert_no_raw_escape(out, err)
    assert SHOWN in err


def test_saved_to_and_loaded_from(capsys, hostile_dir: Path, hostile_data: Path) -> None:
    model = hostile_dir / f"{HOSTILE}.pt"
    code, out, err = run_cli(
        capsys, "train", "--data", hostile_data, "--epochs", "2", "--save", model
    )
    assert code == 0, err
    assert_no_raw_escape(out, err)
    assert any(line.strip().startswith("saved to") and SHOWN in line for line in out.splitlines())
    code, out, err = run_cli(
        capsys, "score", "--data", hostile_data, "--model", "neural", "--load", model, "emma"
    )
    assert code == 0, err
    assert_no_raw_escape(out, err)
    assert "loaded from" in out and SHOWN in out


def test_load_error_names_the_path_escaped(capsys, hostile_dir: Path, hostile_data: Path) -> None:
    bad_model = hostile_dir / f"{HOSTILE}.pt"
    bad_model.write_bytes(b"not a model")
    code, out, err = run_cli(
        capsys, "score", "--data", hostile_data, "--model", "neural", "--load", bad_model, "emma"
    )
    assert code == 2
    assert_no_raw_escape(out, err)
    assert SHOWN in err


def test_json_report_carries_no_raw_escape(capsys, hostile_data: Path) -> None:
    code, out, err = run_cli(capsys, "stats", "--json", "--data", hostile_data)
    assert code == 0, err
    assert_no_raw_escape(out, err)
