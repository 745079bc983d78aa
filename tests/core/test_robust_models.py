"""Saved models through the CLI: bad files, failed saves, and never running code from a file."""

from __future__ import annotations

import errno
import pickle
from pathlib import Path

import pytest
import torch

from bigram_tui.core import files, persist
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.neural import TrainingRun
from bigram_tui.core.persist import ModelFileError, load_model, restore_run, save_model

from ..cli.helpers import run_cli as run
from ..conftest import SMALL_WORDS


def one_line(code: int, err: str, status: int = 2) -> str:
    assert code == status, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip()


@pytest.fixture
def model(tmp_path: Path) -> Path:
    """A good model file of SMALL_WORDS, trained 3 epochs."""
    trained = TrainingRun(NgramCounts.from_words(SMALL_WORDS, 2), seed=4)
    trained.run(3)
    return save_model(tmp_path / "good.pt", trained)


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- bad model files ----------------------------------------------------------------------------


class Boom:
    """Unpickling this would create `marker`: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def bad_files(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of bad file, with the fragment of the error that names it."""
    content = good.read_bytes()
    cases = {
        "truncated": (content[: len(content) // 2], "damaged, truncated or not a torch file"),
        "first-bytes": (content[:10], "not a torch file"),
        "text": (b"emma\nava\n", "not a torch file"),
        "empty": (b"", "the file is empty"),
        "zeros": (bytes(4096), "not a torch file"),
    }
    files = {}
    for name, (raw, fragment) in cases.items():
        path = tmp_path / f"{name}.pt"
        path.write_bytes(raw)
        files[name] = (path, fragment)
    other = TrainingRun(NgramCounts.from_words(["xyz", "zyx"], 2), seed=1)
    files["other-vocabulary"] = (save_model(tmp_path / "other.pt", other), "saved for a")
    return files


@pytest.mark.parametrize("command", ["sample", "score"])
def test_bad_model_files_fail_in_one_line(capsys, tmp_path, data, model, command) -> None:
    """Truncated, foreign and other-vocabulary files: one line naming the file and the fix."""
    extra = ["ava"] if command == "score" else []
    for name, (path, fragment) in bad_files(tmp_path, model).items():
        line = one_line(*run(capsys, command, "--data", data, "--load", path, *extra)[::2])
        assert str(path) in line, name
        assert fragment in line, (name, line)
        assert "train again" in line, name


def test_a_failed_load_keeps_the_current_model(tmp_path: Path, model: Path) -> None:
    """A run that tried to load a bad file carries on exactly as before."""
    counts = NgramCounts.from_words(SMALL_WORDS, 2)
    current = restore_run(counts, load_model(model, counts.vocab))
    weights, losses = current.weights.clone(), list(current.losses)
    for path, _ in bad_files(tmp_path, model).values():
        with pytest.raises(ModelFileError):
            restore_run(counts, load_model(path, counts.vocab))
    assert torch.equal(current.weights, weights) and current.losses == losses
    current.step()
    assert current.epoch == 4


def test_a_code_running_file_is_refused_by_the_cli(capsys, tmp_path, data) -> None:
    """A pickle that would run code is refused, and the code never runs."""
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.pt"
    torch.save({"format": persist.FORMAT, "payload": Boom(str(marker))}, evil)
    line = one_line(*run(capsys, "sample", "--data", data, "--load", evil)[::2])
    assert "was not run" in line
    assert not marker.exists()
    with evil.open("wb") as stream:  # a bare pickle, not a torch zip
        pickle.dump(Boom(str(marker)), stream)
    one_line(*run(capsys, "sample", "--data", data, "--load", evil)[::2])
    assert not marker.exists()


def test_loading_always_asks_torch_for_weights_only(monkeypatch, model: Path) -> None:
    """Every torch.load call from the core passes weights_only=True."""
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(persist.torch, "load", spy)
    load_model(model)
    assert calls == [True]


# --- failed saves ------------------------------------------------------------------------------


def test_read_only_directory(capsys, tmp_path, data, monkeypatch) -> None:
    """A directory that refuses new files: one line, nothing written (root ignores modes)."""
    target_dir = tmp_path / "ro"
    target_dir.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    argv = ["train", "--data", data, "--epochs", 2, "--save", target_dir / "m.pt"]
    code, out, err = run(capsys, *argv)
    line = one_line(code, err)
    assert line.startswith(f"bigram-tui: cannot save the model to {target_dir / 'm.pt'}")
    assert "Permission denied" in line and "writable directory" in line
    assert files_in(target_dir) == []
    assert "epoch 1" in out  # the training output came before the failed save


def test_full_disk_keeps_the_old_file_and_leaves_no_partial(capsys, data, model, monkeypatch):
    """ENOSPC mid-write: one line, the previous model intact, no temporary file left."""
    before = model.read_bytes()
    real_save = torch.save

    def half_then_full(payload, stream, *args, **kwargs):
        stream.write(b"PK\x03\x04partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(persist.torch, "save", half_then_full)
    code, _, err = run(capsys, "train", "--data", data, "--epochs", 2, "--save", model)
    line = one_line(code, err, 74)  # the output was lost (EX_IOERR), not the input refused
    assert "No space left on device" in line and "free space" in line
    assert model.read_bytes() == before
    assert files_in(model.parent) == sorted(["good.pt", "words.txt"])
    monkeypatch.setattr(persist.torch, "save", real_save)
    assert load_model(model).epoch == 3


def test_failed_fsync_leaves_no_partial(capsys, tmp_path, data, monkeypatch) -> None:
    """An I/O error at fsync (a full disk on some filesystems) also cleans up."""

    def failing_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(persist.os, "fsync", failing_fsync)
    target = tmp_path / "out" / "m.pt"
    target.parent.mkdir()
    line = one_line(*run(capsys, "train", "--data", data, "--epochs", 1, "--save", target)[::2], 74)
    assert "Input/output error" in line
    assert files_in(target.parent) == []


def test_a_small_file_that_would_expand_to_gigabytes_is_refused(tmp_path, monkeypatch):
    """Deflated zeros: a few hundred KB on disk, 80 MB once torch.load unpacks them (over a
    cap lowered to 64 MB here, so the test need not write the real cap's 512 MB)."""
    import zipfile

    monkeypatch.setattr(persist, "MAX_MODEL_BYTES", 64 << 20)
    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("archive/data/0", bytes(80 << 20))
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(
        ModelFileError, match="it would expand to 80 MB; a bigram-tui model is at most 64 MB"
    ):
        load_model(bomb)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(persist, "MAX_MODEL_BYTES", 1000)
    big = tmp_path / "big.pt"
    big.write_bytes(b"\0" * 2000)
    with pytest.raises(ModelFileError, match="a bigram-tui model is at most 0 MB"):
        load_model(big)
