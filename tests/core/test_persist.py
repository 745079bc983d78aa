"""Saving and loading neural models: round trip, atomic writes, and every way a file can be bad."""

from __future__ import annotations

import errno
import os
import pickle
from pathlib import Path

import pytest
import torch

from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.model import probs_matrix
from bigram_tui.core.neural import TrainingRun
from bigram_tui.core.persist import (
    FORMAT,
    ModelFileError,
    SavedModel,
    load_model,
    restore_run,
    save_model,
)
from bigram_tui.core.vocab import Vocab

WORDS = ["emma", "olivia", "ava", "isabella", "sophia"]


@pytest.fixture
def counts() -> NgramCounts:
    return NgramCounts.from_words(WORDS, 2)


@pytest.fixture
def trained(counts: NgramCounts) -> TrainingRun:
    run = TrainingRun(counts, seed=42, lr=10.0, reg=0.01)
    run.run(5)
    return run


@pytest.fixture
def saved_file(tmp_path: Path, trained: TrainingRun) -> Path:
    return save_model(tmp_path / "model.pt", trained)


def valid_payload(run: TrainingRun) -> dict[str, object]:
    return {
        "format": FORMAT,
        "chars": list(run.vocab.chars),
        "weights": run.weights.clone(),
        "epoch": run.epoch,
        "lr": run.lr,
        "reg": run.reg,
        "seed": run.seed,
        "losses": list(run.losses),
        "order": run.order,
        "kind": run.kind,
        "contexts": run.counts.contexts.long().clone(),
    }


def assert_one_line(error: pytest.ExceptionInfo[ModelFileError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert ";" in message  # what went wrong; how to fix it
    return message


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- round trip -----------------------------------------------------------------------


def test_round_trip_keeps_everything(saved_file: Path, trained: TrainingRun) -> None:
    saved = load_model(saved_file, trained.vocab)
    assert isinstance(saved, SavedModel)
    assert saved.vocab == trained.vocab
    assert saved.weights.dtype == torch.float64
    assert torch.equal(saved.weights, trained.weights)
    assert saved.epoch == 5
    assert (saved.lr, saved.reg, saved.seed) == (10.0, 0.01, 42)
    assert saved.losses == tuple(trained.losses)
    assert torch.equal(probs_matrix(saved.model()), probs_matrix(trained.model()))


def test_the_file_is_a_plain_dict(saved_file: Path, trained: TrainingRun) -> None:
    payload = torch.load(saved_file, weights_only=True)
    assert payload["format"] == FORMAT
    assert payload["chars"] == list(trained.vocab.chars)
    assert set(payload) == {
        "format", "chars", "weights", "epoch", "lr", "reg", "seed", "losses",
        "order", "kind", "contexts",
    }  # fmt: skip
    assert (payload["order"], payload["kind"]) == (2, "table")


def test_restore_run_continues_exactly(
    saved_file: Path, trained: TrainingRun, counts: NgramCounts
) -> None:
    restored = restore_run(counts, load_model(saved_file))
    assert restored.epoch == trained.epoch
    assert (restored.lr, restored.reg, restored.seed) == (trained.lr, trained.reg, trained.seed)
    # The next epochs of the restored run are those the original would have run.
    assert [e.loss for e in restored.run(3)] == [e.loss for e in trained.run(3)]
    assert torch.equal(restored.weights, trained.weights)


def test_restore_run_rejects_other_characters(saved_file: Path) -> None:
    other = NgramCounts.from_words(["bob", "zed"], 2)
    with pytest.raises(ModelFileError, match="train again"):
        restore_run(other, load_model(saved_file))


def test_saving_an_untrained_run(tmp_path: Path, counts: NgramCounts) -> None:
    saved = load_model(save_model(tmp_path / "fresh.pt", TrainingRun(counts)))
    assert saved.epoch == 0 and saved.losses == ()


def test_save_replaces_an_existing_file_and_keeps_its_mode(
    tmp_path: Path, trained: TrainingRun
) -> None:
    target = tmp_path / "model.pt"
    target.write_text("old")
    target.chmod(0o600)
    save_model(target, trained)
    assert load_model(target).epoch == 5
    assert target.stat().st_mode & 0o777 == 0o600
    assert leftovers(tmp_path) == []


# --- atomicity and write failures -----------------------------------------------------


def fail_with_enospc(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_no_file(
    tmp_path: Path, trained: TrainingRun, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    # Running as root, chmod cannot make a directory read-only; fail the system call instead.
    monkeypatch.setattr(os, failing, fail_with_enospc)
    with pytest.raises(ModelFileError) as error:
        save_model(tmp_path / "model.pt", trained)
    message = assert_one_line(error)
    assert "model.pt" in message and "No space left on device" in message
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file(
    tmp_path: Path, trained: TrainingRun, counts: NgramCounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = save_model(tmp_path / "model.pt", trained)
    before = target.read_bytes()

    def half_written(obj: object, stream, *args: object, **kwargs: object) -> None:
        stream.write(b"PK\x03\x04 partial")
        fail_with_enospc()

    monkeypatch.setattr(torch, "save", half_written)
    with pytest.raises(ModelFileError):
        save_model(target, TrainingRun(counts))
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_the_target_only_appears_complete(
    tmp_path: Path, trained: TrainingRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until the rename, the target does not exist and the data sits in a temp file."""
    target = tmp_path / "model.pt"
    real_replace = os.replace
    seen: list[tuple[bool, int]] = []

    def checking_replace(source: str, destination: str) -> None:
        seen.append((Path(destination).exists(), load_model(source).epoch))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", checking_replace)
    save_model(target, trained)
    assert seen == [(False, 5)]
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_saving_into_a_missing_directory(tmp_path: Path, trained: TrainingRun) -> None:
    with pytest.raises(ModelFileError) as error:
        save_model(tmp_path / "no" / "such" / "model.pt", trained)
    assert "writable directory" in assert_one_line(error)


def test_saving_onto_a_directory(tmp_path: Path, trained: TrainingRun) -> None:
    with pytest.raises(ModelFileError, match="is a directory"):
        save_model(tmp_path, trained)
    assert leftovers(tmp_path) == []


# --- unreadable files -----------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as error:
        load_model(tmp_path / "absent.pt")
    assert "no such model file" in assert_one_line(error)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as error:
        load_model(tmp_path)
    assert "is a directory" in assert_one_line(error)


@pytest.mark.parametrize("keep", [0, 1, 100, 0.5, -1])
def test_truncated_file(saved_file: Path, keep: float) -> None:
    data = saved_file.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else keep % len(data)
    saved_file.write_bytes(data[:cut])
    with pytest.raises(ModelFileError) as error:
        load_model(saved_file)
    assert "not a bigram-tui model file" in assert_one_line(error)


@pytest.mark.parametrize(
    "content",
    [b"emma\nolivia\nava\n", b"\x00" * 64, bytes(range(256)), "a text file ✓\n".encode()],
)
def test_garbage(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.pt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    assert str(path) in assert_one_line(error)


def test_a_code_running_pickle_is_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('code ran')",))

    # The same payload both as a torch file and as a bare pickle.
    for name, dump in [
        ("exploit.pt", lambda f: torch.save({"format": FORMAT, "x": Exploit()}, f)),
        ("exploit.pkl", lambda f: pickle.dump(Exploit(), f)),
    ]:
        path = tmp_path / name
        with path.open("wb") as stream:
            dump(stream)
        with pytest.raises(ModelFileError) as error:
            load_model(path)
        assert "not run" in assert_one_line(error)
        assert not marker.exists()


# --- torch files that are not ours ----------------------------------------------------


NAN, INF = float("nan"), float("inf")
DELETE = object()  # marks a key to remove from the payload
F64 = torch.float64
SIZE = Vocab.from_words(WORDS).size

# (key, replacement value, words the error must contain): each one makes an
# otherwise valid payload unusable.
NOT_OURS = {
    "no format tag": ("format", DELETE, "no format tag"),
    "no weights": ("weights", DELETE, "missing keys: weights"),
    "no losses": ("losses", DELETE, "missing keys: losses"),
    "other format": ("format", "something/else", "'something/else'"),
    "extra key": ("extra", 1, "unexpected keys: 'extra'"),
    "chars a string": ("chars", "aeilmopsv", "'chars'"),
    "chars unsorted": ("chars", ["b", "a"], "unique and sorted"),
    "chars with boundary": ("chars", [".", "a"], "reserves as the start/end token)"),
    "chars not single": ("chars", ["ab"], "'chars'"),
    "weights a list": ("weights", [[0.0]], "dense tensor"),
    "weights wrong shape": ("weights", torch.zeros(3, 3, dtype=F64), "3×3"),
    "weights float32": ("weights", torch.zeros(SIZE, SIZE), "float32"),
    "weights sparse": ("weights", torch.zeros(SIZE, SIZE, dtype=F64).to_sparse(), "dense tensor"),
    "weights nan": ("weights", torch.full((SIZE, SIZE), NAN, dtype=F64), "NaN or infinity"),
    "weights inf": ("weights", torch.full((SIZE, SIZE), INF, dtype=F64), "NaN or infinity"),
    "epoch off by one": ("epoch", 4, "'epoch' 4"),
    "epoch a bool": ("epoch", True, "'epoch' True"),
    "epoch a string": ("epoch", "5", "'epoch' '5'"),
    "lr zero": ("lr", 0.0, "lr: must be more than 0, got 0"),
    "lr nan": ("lr", NAN, "lr: must be a finite number"),
    "lr a string": ("lr", "fast", "'lr'"),
    "lr an int past the floats": ("lr", 10**400, "lr: must be a finite number"),
    "weights on the meta device": (
        "weights",
        torch.empty((SIZE, SIZE), dtype=F64, device="meta"),
        "meta device",
    ),
    "reg negative": ("reg", -1.0, "λ: must be 0 or more, got -1"),
    "seed negative": ("seed", -1, "seed"),
    "seed too big": ("seed", 2**64, "seed"),
    "seed a float": ("seed", 1.5, "seed"),
    "losses a tuple": ("losses", (1.0,), "'losses'"),
    "losses nan": ("losses", [1.0, 2.0, 3.0, 4.0, NAN], "'losses'"),
    "losses a string": ("losses", [1.0, 2.0, 3.0, 4.0, "x"], "'losses'"),
    "losses an int past the floats": ("losses", [1.0, 2.0, 3.0, 4.0, 10**400], "'losses'"),
}


@pytest.mark.parametrize("case", NOT_OURS)
def test_torch_files_that_are_not_ours(tmp_path: Path, trained: TrainingRun, case: str) -> None:
    key, value, expected = NOT_OURS[case]
    payload = valid_payload(trained)
    if value is DELETE:
        del payload[key]
    else:
        payload[key] = value
    path = tmp_path / "other.pt"
    torch.save(payload, path)
    with pytest.raises(ModelFileError) as error:
        load_model(path)
    message = assert_one_line(error)
    assert str(path) in message and expected in message


def test_a_torch_file_that_is_not_a_dict(tmp_path: Path) -> None:
    torch.save([1, 2, 3], tmp_path / "list.pt")
    with pytest.raises(ModelFileError, match="holds a list, not a dict"):
        load_model(tmp_path / "list.pt")


def test_the_valid_payload_helper_is_valid(tmp_path: Path, trained: TrainingRun) -> None:
    # Guards the test above: each case fails for its change, not for the base payload.
    torch.save(valid_payload(trained), tmp_path / "ok.pt")
    assert load_model(tmp_path / "ok.pt").epoch == 5


def test_a_newer_format_asks_for_an_upgrade(tmp_path: Path, trained: TrainingRun) -> None:
    payload = valid_payload(trained) | {"format": "bigram-tui/neural/3"}
    torch.save(payload, tmp_path / "new.pt")
    with pytest.raises(ModelFileError, match="upgrade bigram-tui"):
        load_model(tmp_path / "new.pt")


# --- vocabulary mismatch --------------------------------------------------------------


def test_vocabulary_mismatch(saved_file: Path) -> None:
    data_vocab = Vocab.from_words(["bob", "zoé"])
    with pytest.raises(ModelFileError) as error:
        load_model(saved_file, data_vocab)
    message = assert_one_line(error)
    assert "saved for a 12-character vocabulary '.abehilmopsv'" in message
    assert "the data has a 5-character vocabulary '.bozé'" in message
    assert "the data adds 'zé', lacks 'aehilmpsv'" in message
    assert message.endswith("train again on this data")


def test_a_long_vocabulary_is_abbreviated(tmp_path: Path) -> None:
    words = ["".join(chr(c) for c in range(0x100, 0x100 + 200))]
    run = TrainingRun(NgramCounts.from_words(words, 2))
    path = save_model(tmp_path / "wide.pt", run)
    with pytest.raises(ModelFileError) as error:
        load_model(path, Vocab.from_words(WORDS))
    message = assert_one_line(error)
    assert "201-character vocabulary" in message and "…" in message
    assert len(message) < 400
