"""Every subcommand fed missing, malformed or out-of-range arguments: exit 2, one stderr line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bigram_tui.tui.cli import main as cli

from .helpers import one_line_error
from .helpers import run_cli as run

# Cases that tests/test_cli.py's BAD_ARGUMENTS does not already hold, per subcommand.
# Each is (argv, a fragment the error line must contain).
MISSING = [
    (["stats", "--top"], "expected one argument"),
    (["stats", "--smoothing"], "expected one argument"),
    (["stats", "--data"], "expected one argument"),
    (["score", "--model"], "expected one argument"),
    (["score", "ava", "--load"], "expected one argument"),
    (["sample", "-n"], "expected one argument"),
    (["sample", "--seed"], "expected one argument"),
    (["sample", "--max-length"], "expected one argument"),
    (["sample", "--sampler"], "expected one argument"),
    (["sample", "--train-seed"], "expected one argument"),
    (["train", "--epochs"], "expected one argument"),
    (["train", "--lr"], "expected one argument"),
    (["train", "--reg"], "expected one argument"),
    (["train", "--save"], "expected one argument"),
    (["train", "--every"], "expected one argument"),
    (["--data"], "expected one argument"),
    (["--seed"], "expected one argument"),
]
MALFORMED = [
    (["stats", "--top", "ten"], "expected a whole number"),
    (["stats", "--top", "1.5"], "expected a whole number"),
    (["stats", "--smoothing", "one"], "expected a number"),
    (["stats", "--smoothing", ""], "expected a number"),
    (["stats", "extra"], "unrecognized arguments: extra"),
    (["score", "ava", "--smoothing", "0x10"], "expected a number"),
    (["score", "ava", "--model", "Counts"], "invalid choice"),
    (["score", "ava", "--max-length", "3"], "unrecognized arguments"),
    (["score", "ava", "--trace"], "unrecognized arguments"),
    (["sample", "-n", ""], "expected a whole number"),
    (["sample", "-n", "1e3"], "expected a whole number"),
    (["sample", "--seed", "abc"], "expected a whole number"),
    (["sample", "--seed", ""], "expected a whole number"),
    (["sample", "--seed", "0x10"], "expected a whole number"),
    (["sample", "--train-seed", "seven"], "expected a whole number"),
    (["sample", "--sampler", ""], "invalid choice"),
    (["sample", "--max-length", "ten"], "expected a whole number"),
    (["sample", "ava"], "unrecognized arguments: ava"),
    (["train", "--lr", "abc"], "expected a number"),
    (["train", "--lr", "1,5"], "expected a number"),
    (["train", "--reg", "λ"], "expected a number"),
    (["train", "--epochs", "ten"], "expected a whole number"),
    (["train", "--every", "1e9"], "expected a whole number"),
    (["train", "--seed", "1.0"], "expected a whole number"),
    (["train", "--model", "neural"], "unrecognized arguments"),
    (["train", "--load", "m.pt"], "unrecognized arguments"),
    (["--seed", "abc"], "expected a whole number"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--truecolor", "sample"], "--truecolor is an option of the app"),
    (["--screenshots", ".", "stats"], "--screenshots is an option of the app"),
    (["--order", "3", "stats"], "--order is an option of the app; drop it from `stats`, or give"),
    (["--load", "m.pt", "sample"], "--load is an option of the app"),
    (["--order", "9"], "order: must be from 1 to 6"),
]
OUT_OF_RANGE = [
    (["stats", "--top", "-1"], "must be at least 1"),
    (["stats", "--smoothing", "-0.5"], "must be 0 or more"),
    (["stats", "--smoothing", "-inf"], "must be a finite number"),
    (["stats", "--smoothing", "1e999"], "must be a finite number"),
    (["score", "ava", "--model", "neural", "--lr", "inf"], "must be a finite number"),
    (["score", "ava", "--model", "neural", "--reg", "-1"], "must be 0 or more"),
    (["score", "ava", "--model", "neural", "--epochs", "-5"], "must be 0 or more"),
    (["score", "ava", "--model", "neural", "--seed", "-1"], "between 0 and 2**64-1"),
    (["sample", "-n", "10000000000"], "at most 1,000,000 names"),
    (["sample", "-n", "20000", "--trace"], "at most 10,000 names"),
    (["sample", "--max-length", "-1"], "must be at least 1"),
    (["sample", "--max-length", "100000000000"], "at most 10,000"),
    (["sample", "--seed", str(2**64 + 1)], "between 0 and 2**64-1"),
    (["sample", "--seed", str(10**40)], "between 0 and 2**64-1"),
    (["sample", "--train-seed", "-3", "--model", "neural"], "between 0 and 2**64-1"),
    (["train", "--lr", "-0"], "must be more than 0"),
    (["train", "--lr", "-1e-3"], "must be more than 0"),
    (["train", "--reg", "-.5"], "must be 0 or more"),
    (["sample", "--smoothing", "-Infinity"], "must be a finite number"),
    (["train", "--lr", "1e999"], "must be a finite number"),
    (["train", "--reg", "inf"], "must be a finite number"),
    (["train", "--reg", "nan"], "must be a finite number"),
    (["train", "--epochs", "99999999999999999999"], "at most 1,000,000"),
    (["train", "--every", "-1"], "must be at least 1"),
    (["train", "--seed", str(2**64)], "between 0 and 2**64-1"),
    (["--seed", str(2**64)], "between 0 and 2**64-1"),
]


@pytest.mark.parametrize(
    ("argv", "fragment"),
    MISSING + MALFORMED + OUT_OF_RANGE,
    ids=[" ".join(argv) for argv, _ in MISSING + MALFORMED + OUT_OF_RANGE],
)
def test_bad_argument_is_one_line_naming_it(capsys, data: Path, argv, fragment) -> None:
    """Each bad argument ends in exit 2 and one stderr line that says what is wrong."""
    # --data goes first, so a flag missing its value stays at the end of the line.
    where = ["--data", str(data)] if argv[0] in ("stats", "score", "sample", "train") else []
    full = [argv[0], *where, *argv[1:]] if where else argv
    code, out, err = run(capsys, *full)
    line = one_line_error(code, err)
    assert fragment in line
    assert out == ""


@pytest.mark.parametrize("command", ["stats", "score", "sample", "train"])
def test_parse_errors_point_at_the_subcommands_help(capsys, command: str) -> None:
    """An argparse error names the subcommand whose --help lists the right flags."""
    line = one_line_error(*run(capsys, command, "--frobnicate")[::2])
    assert line.startswith(f"bigram-tui {command}: error:")
    assert line.endswith(f"(see bigram-tui {command} --help)")


# --- values that parse but cannot be used -------------------------------------------------


def test_empty_and_blank_words_are_refused_before_loading(capsys, tmp_path: Path) -> None:
    """An empty word is refused at once, even when the data path is wrong."""
    for word in ("", "   ", "\t"):
        line = one_line_error(*run(capsys, "score", "--data", tmp_path / "nope", word)[::2])
        assert line.startswith("bigram-tui: cannot score '")
        assert "a word needs at least one character other than white space" in line


def test_a_huge_word_gives_a_short_error(capsys, data: Path) -> None:
    """A 100,000-character word outside the vocabulary is named in a short line."""
    line = one_line_error(*run(capsys, "score", "--data", data, "Z" * 100_000)[::2])
    assert len(line) < 500
    assert "'Z' at 1" in line and "and 99995 more" in line


def test_save_without_a_file_name(capsys, data: Path) -> None:
    """--save '' asks for a file name instead of calling it a directory."""
    line = one_line_error(*run(capsys, "train", "--data", data, "--save", "")[::2])
    assert line == "bigram-tui: --save needs a file name, e.g. --save model.pt"


def test_load_of_an_empty_path_is_named(capsys, data: Path) -> None:
    """--load '' shows the empty path quoted, not a message starting with ':'."""
    line = one_line_error(*run(capsys, "sample", "--data", data, "--load", "")[::2])
    assert line.startswith("bigram-tui: '': no such model file;")


@pytest.mark.parametrize(
    ("option", "value", "fix"),
    [("--lr", "1e6", "smaller --lr"), ("--reg", "1e300", "smaller --lr or --reg")],
)
def test_divergence_message_says_it_once_and_names_the_fix(capsys, data, option, value, fix):
    """The core's 'training diverged' is not repeated, and the way out fits the cause."""
    code, _, err = run(capsys, "train", "--data", data, "--epochs", 50, option, value)
    line = one_line_error(code, err)
    assert line.count("diverged") == 1
    assert line.endswith(fix)


@pytest.mark.parametrize("command", ["stats", "score", "sample", "train"])
def test_unusable_data_for_every_command(capsys, tmp_path: Path, command: str) -> None:
    """Every subcommand reports a bad word list the same way."""
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ava\n\xff\xfe\n")
    extra = ["ava"] if command == "score" else []
    line = one_line_error(*run(capsys, command, "--data", bad, *extra)[::2])
    assert f"{bad}, line 2: not UTF-8 text" in line


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused_without_reading(capsys, device: str) -> None:
    """A device is refused from its stat: /dev/zero never ends, so reading it would hang."""
    line = one_line_error(*run(capsys, "stats", "--data", device)[::2])
    assert "is a character device, not a word list" in line


def test_fifo_is_refused_without_blocking(capsys, tmp_path: Path) -> None:
    """A named pipe with no writer is refused instead of blocking in open()."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_line_error(*run(capsys, "stats", "--data", fifo)[::2])
    assert "is a named pipe (FIFO)" in line


def test_bad_environment_variable(capsys, tmp_path: Path, monkeypatch) -> None:
    """A bad BIGRAM_TUI_DATA is named as the source of the path."""
    monkeypatch.setenv("BIGRAM_TUI_DATA", str(tmp_path / "gone.txt"))
    line = one_line_error(*run(capsys, "stats")[::2])
    assert "gone.txt (from BIGRAM_TUI_DATA): no such file" in line


def test_valid_edge_values_are_accepted(capsys, data: Path) -> None:
    """The edges of each range work: seeds 0 and 2**64-1, one epoch of zero, one name."""
    for argv in (
        ["sample", "-n", 1, "--seed", 0],
        ["sample", "-n", 1, "--seed", 2**64 - 1],
        ["sample", "-n", 1, "--max-length", 1],
        ["train", "--epochs", 0],
        ["stats", "--top", 10**22],
    ):
        code, out, err = run(capsys, argv[0], "--data", data, *argv[1:])
        assert (code, err) == (0, ""), argv
        assert out


# --- the real script -----------------------------------------------------------------------

SCRIPT_CASES = [
    ["stats", "--top"],
    ["sample", "-n", "many"],
    ["train", "--lr", "abc"],
    ["score"],
    ["sample", "--seed", str(2**70)],
]


@pytest.mark.parametrize("argv", SCRIPT_CASES, ids=" ".join)
def test_the_installed_script_fails_in_one_line(data: Path, argv: list[str]) -> None:
    """The console script itself, not only main(): exit 2, one line, no traceback."""
    script = shutil.which("bigram-tui") or str(Path(sys.executable).with_name("bigram-tui"))
    if not Path(script).is_file():
        pytest.skip("the bigram-tui console script is not installed")
    env = {k: v for k, v in os.environ.items() if k != cli.DEBUG_ENV_VAR}
    full = [script, argv[0], "--data", str(data), *argv[1:]]
    result = subprocess.run(full, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_trace_is_bounded_not_gigabytes(capsys, tmp_path, monkeypatch):
    """A uniform torch sampler over a wide vocabulary records V uniforms per draw: cut early."""
    from bigram_tui.tui.cli import sample

    monkeypatch.setattr(sample, "MAX_TRACE_NUMBERS", 20_000)
    wide = tmp_path / "wide.txt"
    wide.write_text("\n".join(chr(0x4E00 + i) * 2 for i in range(600)), encoding="utf-8")
    code, out, err = run(
        capsys, "sample", "--data", wide, "--model", "uniform", "--sampler", "torch",
        "--max-length", "10000", "--trace", "-n", "3",
    )  # fmt: skip
    line = one_line_error(code, err)
    assert "--trace would hold over 20,000 numbers" in line and out == ""


def test_an_ordinary_trace_is_not_cut(capsys):
    code, out, _ = run(capsys, "sample", "--trace", "-n", "2", "--sampler", "torch")
    assert code == 0 and out.count("\n") > 4
