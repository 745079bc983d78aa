"""core.files: the one rule for every file the project writes (issue 11, item 1)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bigram_tui.core.files import STALE_SECONDS, WriteRefused, atomic_write, check_target


def write_new(stream) -> None:
    stream.write(b"new")


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_a_new_file_and_a_regular_file_are_written(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    assert atomic_write(target, write_new) == target
    target.write_bytes(b"old")
    target.chmod(0o600)
    atomic_write(target, write_new)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    assert atomic_write(link, write_new) == real
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.bin"
    link.symlink_to(tmp_path / "made.bin")
    atomic_write(link, write_new)
    assert link.is_symlink() and (tmp_path / "made.bin").read_bytes() == b"new"


def special_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    made = {"FIFO": fifo, "directory": tmp_path / "dir"}
    made["directory"].mkdir()
    device = tmp_path / "null-device"
    try:
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 3))  # our own /dev/null
        made["character device"] = device
    except (PermissionError, OSError):
        pass  # not root, or a sandbox without mknod: the FIFO and directory still run
    return made


def test_anything_but_a_regular_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    for kind, path in special_files(tmp_path).items():
        before = os.lstat(path)
        with pytest.raises(WriteRefused) as error:
            atomic_write(path, write_new)
        message = str(error.value)
        assert kind in message and "\n" not in message, message
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert leftovers(tmp_path) == []


def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    with pytest.raises(WriteRefused, match="FIFO"):
        check_target(link)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_trailing_slash_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused, match="ends in '/'"):
        atomic_write(f"{tmp_path}/new.pt/", write_new)
    assert list(tmp_path.iterdir()) == []


def test_the_protected_file_is_refused_even_through_a_link(tmp_path: Path) -> None:
    data = tmp_path / "words.txt"
    data.write_text("ava\n")
    link = tmp_path / "alias.txt"
    link.symlink_to(data)
    for path in (data, link):
        with pytest.raises(WriteRefused, match="the data file"):
            atomic_write(path, write_new, protect=data)
    assert data.read_text() == "ava\n"


@pytest.mark.parametrize("length", [256, 250])
def test_a_name_too_long_for_its_temporary_file_is_refused(tmp_path: Path, length: int) -> None:
    # 250 fits NAME_MAX itself, but not with the '.NAME.XXXXXXXX.tmp' written first.
    with pytest.raises(WriteRefused, match="choose a shorter name"):
        check_target(tmp_path / ("m" * length))


def test_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteRefused, match="no directory"):
        check_target(tmp_path / "no" / "such" / "m.pt")
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteRefused, match="not a directory"):
        check_target(tmp_path / "file" / "m.pt")


def test_any_exception_removes_the_temporary_file(tmp_path: Path) -> None:
    def interrupted(stream) -> None:
        stream.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "m.pt", interrupted)
    assert list(tmp_path.iterdir()) == []


# --- a file the user could not write, and temporaries a kill left behind --------------------


@contextlib.contextmanager
def _as_nobody() -> Iterator[None]:
    """Act as the user nobody (the tests run as root in CI), as far as file access goes."""
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_a_file_the_user_could_not_write_is_not_replaced() -> None:
    # Outside pytest's tmp_path, whose parent only root may enter.
    folder = Path(tempfile.mkdtemp(prefix="bigram-tui-shared-"))
    try:
        folder.chmod(0o777)  # anyone may create and rename files here, as cp's test needs
        target = folder / "victim.txt"
        target.write_bytes(b"root's")
        target.chmod(0o444)
        acting = _as_nobody() if os.geteuid() == 0 else contextlib.nullcontext()
        with acting, pytest.raises(WriteRefused) as refused:
            atomic_write(target, lambda stream: stream.write(b"new"))
        message = str(refused.value)
        assert "it is read-only to you" in message and "\n" not in message
        assert target.read_bytes() == b"root's"
        assert [p.name for p in folder.iterdir()] == ["victim.txt"]
    finally:
        shutil.rmtree(folder)


def test_a_writable_file_is_still_replaced(tmp_path: Path) -> None:
    target = tmp_path / "m.pt"
    target.write_bytes(b"old")
    atomic_write(target, lambda stream: stream.write(b"new"))
    assert target.read_bytes() == b"new"


def test_stale_temporaries_of_the_target_are_removed_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "m.pt"
    hour_ago = time.time() - STALE_SECONDS - 5
    stale = tmp_path / ".m.pt.abc_1234.tmp"
    fresh = tmp_path / ".m.pt.zzzz9999.tmp"  # maybe another save, still writing
    other = tmp_path / ".n.pt.abcd1234.tmp"  # another target's
    odd = tmp_path / ".m.pt.toolong123.tmp"  # not mkstemp's naming
    folder = tmp_path / ".m.pt.dir12345.tmp"
    for path in (stale, fresh, other, odd):
        path.write_bytes(b"partial")
    folder.mkdir()
    for path in (stale, other, odd, folder):
        os.utime(path, (hour_ago, hour_ago))
    atomic_write(target, lambda stream: stream.write(b"new"))
    assert not stale.exists()
    assert fresh.exists() and other.exists() and odd.exists() and folder.is_dir()
    assert target.read_bytes() == b"new"
