"""Writing a file safely: every file bigram-tui writes goes through `atomic_write`.

The rule, modelled on cp and install:
- A symlink is written through to its target (a dangling one creates its target).
- What is at the path must be a regular file or nothing: a directory, FIFO, device or
  socket is refused, never replaced. A path ending in '/' is refused (it names a directory).
- A regular file the user could not write (a 0444 file of someone else's, say) is refused,
  as cp refuses it: replacing it by a rename would need only the directory's permission.
- A caller may protect one file (the session's data file) from being overwritten.
- The data goes to a temporary `.{name}.XXXXXXXX.tmp` beside the target, is fsynced and is
  renamed over it, so a crash, a full disk or a signal leaves the old file or the new one,
  never a partial one; the temporary file is removed on any exception.
`check_target` runs the checks that need no data, so a caller can fail before a long job.
A temporary file of that naming left by a killed process is removed by the next write to the
same target, once it is over STALE_SECONDS old (a younger one may be another save's).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .display import shown_path
from .errors import BigramTuiError

NEW_FILE_MODE = 0o644  # mkstemp creates 0600; nothing the project writes is a secret
STALE_SECONDS = 3600
_TEMPORARY_EXTRA = len("..") + 8 + len(".tmp")  # mkstemp's ".{name}." + 8 random + ".tmp"

_SPECIAL_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symlink that loops"),
)


DEFAULT_FIX = "choose a path in an existing, writable directory with free space"


class WriteRefused(BigramTuiError):
    """A path that cannot or must not be written: `reason` says why, `fix` the way out."""

    def __init__(self, path: str | os.PathLike[str], reason: str, fix: str = DEFAULT_FIX) -> None:
        super().__init__(f"cannot write {shown_path(path)} ({reason}); {fix}")
        self.path, self.reason, self.fix = path, reason, fix


class WriteFailed(WriteRefused):
    """The path was fine but writing failed (a full disk, an I/O error): the output was lost."""


# Errors of the device, not of the path: the same path may work once there is space.
_DEVICE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def describe_os_error(exc: OSError) -> str:
    return " ".join((exc.strerror or str(exc) or type(exc).__name__).split())


def fsync_directory(directory: Path) -> None:
    """Make a rename into `directory` durable; some filesystems refuse, which is harmless."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is, for a message: "a FIFO (named pipe)"."""
    return next((name for test, name in _SPECIAL_KINDS if test(mode)), "not a regular file")


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_target(
    path: str | os.PathLike[str], protect: str | os.PathLike[str] | None = None
) -> Path:
    """The file a write to `path` would replace or create, or WriteRefused saying why not."""
    text = os.fsdecode(path)
    if not text.strip():
        raise WriteRefused(path, "the name is empty", "give a file name, e.g. model.pt")
    if text.endswith(("/", os.sep)):
        raise WriteRefused(path, "it ends in '/', which names a directory", "drop the '/'")
    # realpath follows every symlink, a dangling one to the file it would create.
    target = Path(os.path.realpath(text))
    directory = target.parent
    name_bytes = len(os.fsencode(target.name))
    limit = _name_max(directory) - _TEMPORARY_EXTRA
    if name_bytes > limit:
        raise WriteRefused(
            path,
            f"the file name is {name_bytes} bytes; at most {limit} leave room for the "
            "temporary '.NAME.XXXXXXXX.tmp' it is first written to",
            "choose a shorter name",
        )
    try:
        status = os.lstat(target)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise WriteRefused(path, "a part of the path is not a directory") from None
        raise WriteRefused(path, describe_os_error(exc)) from None
    if status is not None and not stat.S_ISREG(status.st_mode):
        if stat.S_ISDIR(status.st_mode):
            raise WriteRefused(path, "it is a directory", "give a file name inside it")
        raise WriteRefused(
            path,
            f"it is {special_kind(status.st_mode)}",
            "only a regular file is ever replaced; choose another path",
        )
    # The effective ids, as the rename itself would use them.
    if status is not None and not os.access(target, os.W_OK, effective_ids=True):
        raise WriteRefused(
            path, "it is read-only to you", "choose another path, or make the file writable first"
        )
    if protect is not None and status is not None:
        try:
            same = os.path.samefile(target, protect)
        except OSError:
            same = False
        if same:
            raise WriteRefused(path, "it is the data file being read", "choose another name")
    if not directory.is_dir():
        raise WriteRefused(path, f"no directory {shown_path(directory)}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise WriteRefused(path, f"the directory {shown_path(directory)} is not writable")
    return target


def _mode_for(status: os.stat_result | None) -> int:
    """Keep the permissions of a file being replaced; a new file gets rw-r--r--."""
    return NEW_FILE_MODE if status is None else stat.S_IMODE(status.st_mode)


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], None],
    protect: str | os.PathLike[str] | None = None,
) -> Path:
    """Write `path` by `write(stream)`, atomically, by the rule above; returns the file written.

    Raises WriteRefused for a refused path or a failed write (a full disk, say); anything
    `write` raises, and any exception at all (KeyboardInterrupt included), removes the
    temporary file before it propagates.
    """
    target = check_target(path, protect)
    remove_stale_temporaries(target)
    try:
        fd, temporary_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        failure = WriteFailed if exc.errno in _DEVICE_ERRNOS else WriteRefused
        raise failure(path, describe_os_error(exc)) from None
    temporary = Path(temporary_name)
    try:
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            # Checked again: something may have appeared at the path while we wrote.
            target = check_target(path, protect)
            os.fchmod(stream.fileno(), _mode_for(_lstat_or_none(target)))
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except WriteRefused:
        temporary.unlink(missing_ok=True)
        raise  # the path changed under us while we wrote (check_target, again)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise WriteFailed(path, describe_os_error(exc)) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)
    return target


def _is_temporary_of(name: str, target: Path) -> bool:
    """Whether `name` is mkstemp's ".{target}.XXXXXXXX.tmp" for this target."""
    prefix, suffix = f".{target.name}.", ".tmp"
    middle = name[len(prefix) : -len(suffix)]
    return (
        name.startswith(prefix) and name.endswith(suffix) and len(middle) == 8
        and all(c.isascii() and (c.isalnum() or c == "_") for c in middle)
    )  # fmt: skip


def remove_stale_temporaries(target: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files of earlier writes to `target` that a kill left behind:
    regular files of that exact naming, beside it, over STALE_SECONDS old. Best effort."""
    cutoff = (time.time() if now is None else now) - STALE_SECONDS
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        if not _is_temporary_of(entry.name, target):
            continue
        try:
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # another process's, or already gone: not ours to insist on
    return removed


def _lstat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
