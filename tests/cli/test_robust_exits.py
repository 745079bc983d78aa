"""Issue 11 through the CLI: saves that must not clobber, diverged runs, output faults, -0."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from bigram_tui.core import persist
from bigram_tui.tui.cli import main as cli

from .helpers import one_line_error
from .helpers import run_cli as run


def script() -> str:
    found = shutil.which("bigram-tui") or str(Path(sys.executable).with_name("bigram-tui"))
    if not Path(found).is_file():
        pytest.skip("the bigram-tui console script is not installed")
    return found


# --- --save never clobbers ---------------------------------------------------------------


def test_save_refuses_a_fifo_and_a_device_before_training(capsys, tmp_path, data) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    targets = {"FIFO": fifo}
    device = tmp_path / "device"
    try:
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 7))  # our own /dev/full
        targets["character device"] = device
    except OSError:
        pass
    for kind, target in targets.items():
        code, out, err = run(capsys, "train", "--data", data, "--save", target)
        line = one_line_error(code, err)
        assert kind in line and "only a regular file is ever replaced" in line
        assert out == ""  # refused before the first epoch
        assert not stat.S_ISREG(os.lstat(target).st_mode)


def test_save_writes_through_a_symlink(capsys, tmp_path, data) -> None:
    real = tmp_path / "real.pt"
    link = tmp_path / "link.pt"
    link.symlink_to(real)
    code, _, err = run(capsys, "train", "--data", data, "--epochs", 2, "--save", link)
    assert (code, err) == (0, "")
    assert link.is_symlink() and persist.load_model(real).epoch == 2


def test_save_refuses_a_trailing_slash(capsys, tmp_path, data) -> None:
    line = one_line_error(
        *run(capsys, "train", "--data", data, "--save", f"{tmp_path}/new.pt/")[::2]
    )
    assert "ends in '/'" in line
    assert not (tmp_path / "new.pt").exists()


def test_save_refuses_the_data_file(capsys, data) -> None:
    before = data.read_bytes()
    code, out, err = run(capsys, "train", "--data", data, "--save", data)
    assert "it is the data file being read" in one_line_error(code, err)
    assert out == "" and data.read_bytes() == before


def test_a_256_character_name_is_a_clear_usage_error(capsys, tmp_path, data) -> None:
    code, out, err = run(capsys, "train", "--data", data, "--save", tmp_path / ("m" * 256))
    line = one_line_error(code, err)
    assert "choose a shorter name" in line and "internal error" not in line
    assert out == ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT])
def test_a_signal_during_the_save_removes_the_temporary_file(
    capsys, tmp_path, data, monkeypatch, signum
) -> None:
    real_save = torch.save

    def signalled(payload, stream, *args, **kwargs):
        real_save(payload, stream, *args, **kwargs)
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(persist.torch, "save", signalled)
    target = tmp_path / "out" / "m.pt"
    target.parent.mkdir()
    # A background job starts with SIGQUIT ignored: compare with what the test began with.
    before = signal.getsignal(signum)
    signal.signal(signum, signal.SIG_DFL)
    try:
        code, _, err = run(capsys, "train", "--data", data, "--epochs", 1, "--save", target)
        assert signal.getsignal(signum) is signal.SIG_DFL  # the handlers were put back
    finally:
        signal.signal(signum, before)
    assert code == 128 + signum
    assert err.count("\n") == 1 and signal.Signals(signum).name in err
    assert list(target.parent.iterdir()) == []


def test_ctrl_c_during_the_save_says_so_and_exits_130(capsys, tmp_path, data, monkeypatch):
    def interrupted(payload, stream, *args, **kwargs):
        stream.write(b"PK partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(persist.torch, "save", interrupted)
    target = tmp_path / "out" / "m.pt"
    target.parent.mkdir()
    code, _, err = run(capsys, "train", "--data", data, "--epochs", 1, "--save", target)
    assert code == 130
    assert err.startswith("bigram-tui: save interrupted;") and "free space" not in err
    assert list(target.parent.iterdir()) == []


# --- a diverged run is never reported or saved ---------------------------------------------


def test_one_huge_step_is_caught_before_the_report_and_the_save(capsys, tmp_path, data) -> None:
    target = tmp_path / "m.pt"
    for extra in ([], ["--json"]):
        argv = ["train", "--data", data, "--lr", "1e200", "--epochs", 1, "--save", target, *extra]
        code, out, err = run(capsys, *argv)
        line = one_line_error(code, err)
        assert line.startswith("bigram-tui: training diverged:")
        assert line.endswith("run again with a smaller --lr")
        assert "nan" not in out and not target.exists()


def test_lr_500_diverges_in_the_cli_as_in_the_app(capsys, names_path) -> None:
    code, _, err = run(capsys, "train", "--data", names_path, "--lr", "500", "--epochs", 50)
    line = one_line_error(code, err)
    assert "passed" in line and "2× where it started" in line and "lr=500" in line


def test_the_divergence_fix_comes_from_the_fields_not_the_text(capsys, data, monkeypatch):
    from bigram_tui.core import neural

    def describe(self) -> str:
        return "training diverged; with a semicolon; reset"

    monkeypatch.setattr(neural.TrainingDiverged, "describe", describe)
    code, _, err = run(capsys, "train", "--data", data, "--reg", "1e300", "--epochs", 5)
    assert one_line_error(code, err) == (
        "bigram-tui: training diverged; with a semicolon; reset; run again with a smaller "
        "--lr or --reg"
    )


# --- only the project's errors are expected ------------------------------------------------


def test_a_value_error_from_a_bug_is_an_internal_error(capsys, data, monkeypatch) -> None:
    def buggy(args: object) -> int:
        raise ValueError("a bug, not the user's input")

    monkeypatch.setitem(cli._COMMANDS, "stats", buggy)
    code, _, err = run(capsys, "stats", "--data", data)
    assert code == cli.EXIT_INTERNAL and "internal error: ValueError" in err


# --- output errors ---------------------------------------------------------------------------


def test_a_full_disk_on_stdout_is_an_output_error(data) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [script(), "stats", "--data", str(data)], stdout=full, stderr=subprocess.PIPE,
            text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == cli.EXIT_OUTPUT == 74
    assert result.stderr.count("\n") == 1
    assert "cannot write the output (No space left on device)" in result.stderr
    assert "internal error" not in result.stderr and "report it" not in result.stderr


def test_a_closed_stdout_is_an_output_error(data) -> None:
    result = subprocess.run(
        [script(), "stats", "--data", str(data)], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, timeout=60,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert result.returncode == 74
    assert result.stderr.count("\n") == 1 and "standard output is closed" in result.stderr


# --- the global seed, and no negative zero ---------------------------------------------------


def test_the_global_seed_reaches_a_neural_score(capsys, data) -> None:
    argv = ["--data", data, "--model", "neural", "--epochs", 3, "ava"]
    global_seed = run(capsys, "--seed", 5, "score", *argv)
    own_seed = run(capsys, "score", "--seed", 5, *argv)
    default = run(capsys, "score", *argv)
    assert global_seed == own_seed != default
    assert "seed 5" in global_seed[1]


def test_negative_zero_never_appears(capsys, tmp_path) -> None:
    certain = tmp_path / "one.txt"
    certain.write_text("ab\n")  # every bigram of 'ab' has probability 1: NLL 0
    code, text, _ = run(capsys, "score", "--data", certain, "ab")
    assert code == 0 and "-0.0000" not in text and "0.0000" in text
    code, out, _ = run(capsys, "score", "--data", certain, "ab", "--json")
    assert code == 0 and "-0.0" not in out and json.loads(out)["words"][0]["nll"] == 0
    code, out, _ = run(capsys, "stats", "--data", certain, "--smoothing", "-0")
    assert code == 0 and "-0" not in out


# --- exit statuses as the README states them -----------------------------------------------

FULL = "/dev/full"


@pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full on this system")
@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["train", "--help"]])
def test_help_and_version_to_a_full_device_exit_74(argv) -> None:
    with open(FULL, "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bigram_tui.tui.cli.main", *argv],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 74
    assert result.stderr.count("\n") == 1 and "cannot write the output" in result.stderr


@pytest.mark.skipif(not os.path.exists(FULL), reason="no /dev/full on this system")
def test_an_error_line_to_a_full_stderr_still_exits_2() -> None:
    with open(FULL, "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "bigram_tui.tui.cli.main", "stats", "--order", "9"],
            stdout=subprocess.PIPE, stderr=full, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""


def test_a_full_disk_during_the_save_exits_74(capsys, tmp_path, data, monkeypatch) -> None:
    def full(payload, stream, *args, **kwargs):
        stream.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(persist.torch, "save", full)
    target = tmp_path / "m.pt"
    code, _, err = run(capsys, "train", "--data", data, "--epochs", 1, "--save", target)
    assert code == 74
    assert err.count("\n") == 1 and "No space left on device" in err
    assert list(tmp_path.iterdir()) == [] or not target.exists()
