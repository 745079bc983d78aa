"""Finding the word list to train on, downloading makemore's names.txt if need be.

`resolve_dataset` tries, in order: the path given with --data, the path in the
BIGRAM_TUI_DATA environment variable, a cached copy of names.txt whose sha256
matches, and finally a download of names.txt into the cache.

The user's own files are taken as they are; only names.txt is checksummed, since
its content is known in advance. A download is written to a uniquely named
temporary file in the cache directory and renamed onto names.txt once complete
and verified, so a reader (another process starting at the same moment, say)
never sees a partial file.

Only the standard library is used, and the networking modules (urllib pulls in
ssl and http.client, tens of milliseconds) are imported only when a download
starts, so finding a cached or given file stays fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bigram_tui.core.data import DataError, check_readable

from .files import fsync_directory

# Set instead of imported from typing, which would add milliseconds to startup;
# type checkers treat the name specially either way.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from http.client import HTTPResponse

__all__ = [
    "CACHE_DIR_ENV_VAR",
    "DATA_ENV_VAR",
    "DEFAULT_FILENAME",
    "DEFAULT_SHA256",
    "DEFAULT_URL",
    "DatasetUnavailable",
    "ProgressCallback",
    "cache_dir",
    "download_default",
    "resolve_dataset",
]

DEFAULT_URL = "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
DEFAULT_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
DEFAULT_FILENAME = "names.txt"
DATA_ENV_VAR = "BIGRAM_TUI_DATA"
CACHE_DIR_ENV_VAR = "BIGRAM_TUI_CACHE_DIR"

DOWNLOAD_TIMEOUT_SECONDS = 15.0
# names.txt is 228 KB; anything far bigger is not it, so stop before filling the disk.
MAX_DOWNLOAD_BYTES = 16 << 20
_READ_BLOCK_BYTES = 64 << 10

_WAY_OUT = f"pass --data PATH to a word list, or set {DATA_ENV_VAR}"

# Called with (bytes received so far, total size or None when the server did not say).
ProgressCallback = Callable[[int, int | None], None]


class DatasetUnavailable(Exception):
    """No word list could be found or fetched; the message says why and what to do."""


def cache_dir() -> Path:
    """The directory holding the downloaded names.txt.

    BIGRAM_TUI_CACHE_DIR wins; otherwise $XDG_CACHE_HOME/bigram-tui, falling back
    to ~/.cache/bigram-tui (the XDG spec says to ignore a relative XDG_CACHE_HOME).
    """
    override = os.environ.get(CACHE_DIR_ENV_VAR)
    if override:
        return Path(override).expanduser()
    xdg_cache = os.environ.get("XDG_CACHE_HOME")
    if xdg_cache and os.path.isabs(xdg_cache):
        return Path(xdg_cache) / "bigram-tui"
    return Path.home() / ".cache" / "bigram-tui"


def _sha256_of_file(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _one_line(text: object) -> str:
    # Reasons can come from a server (an HTTP reason phrase); keep the message on one line.
    return " ".join(str(text).split())


def _describe_network_error(exc: BaseException) -> str:
    import http.client
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {_one_line(exc.reason)}".rstrip()
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, OSError) and reason.strerror:
            return _one_line(reason.strerror)
        return _one_line(reason)
    if isinstance(exc, http.client.IncompleteRead):
        return f"the connection dropped after {len(exc.partial)} bytes of a chunk"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return _one_line(exc.strerror)
    return _one_line(exc) or type(exc).__name__


def _download_failed(url: str, reason: str) -> DatasetUnavailable:
    return DatasetUnavailable(
        f"could not download {DEFAULT_FILENAME} from {url} ({reason}); {_WAY_OUT}"
    )


def _cache_unwritable(directory: Path, exc: OSError) -> DatasetUnavailable:
    reason = _one_line(exc.strerror or exc)
    return DatasetUnavailable(
        f"cannot save {DEFAULT_FILENAME} in {directory} ({reason}); {_WAY_OUT}, "
        f"or set {CACHE_DIR_ENV_VAR} to a writable directory"
    )


def _network_errors() -> tuple[type[Exception], ...]:
    import http.client

    # http.client raises its own exceptions (IncompleteRead; RemoteDisconnected is
    # also an OSError); urlopen raises ValueError for a malformed URL.
    return (OSError, http.client.HTTPException, ValueError)


def _open_download(url: str, timeout: float) -> HTTPResponse:
    import urllib.request

    try:
        request = urllib.request.Request(url, headers={"User-Agent": "bigram-tui"})
        return urllib.request.urlopen(request, timeout=timeout)
    except _network_errors() as exc:
        if isinstance(exc, urllib.request.HTTPError):
            exc.close()  # an HTTPError holds the open connection of its error page
        raise _download_failed(url, _describe_network_error(exc)) from exc


def _read_block(response: HTTPResponse, url: str) -> bytes:
    try:
        return response.read(_READ_BLOCK_BYTES)
    except _network_errors() as exc:
        raise _download_failed(url, _describe_network_error(exc)) from exc


def _content_length(response: HTTPResponse) -> int | None:
    header = response.headers.get("Content-Length", "")
    return int(header) if header.isdigit() else None


def download_default(
    *,
    url: str = DEFAULT_URL,
    expected_sha256: str = DEFAULT_SHA256,
    progress: ProgressCallback | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
) -> Path:
    """Download names.txt into cache_dir(), verify its sha256 and return its path.

    The body goes to a unique temporary file next to the final one, is fsynced,
    then renamed over names.txt, so concurrent callers each end with a complete
    file and nobody sees a partial one. The temporary file is removed on any
    failure, including an exception raised by `progress`.

    Network failures and a wrong checksum raise DatasetUnavailable; so does a
    cache directory that cannot be created or written.
    """
    import hashlib
    import tempfile

    directory = cache_dir()
    target = directory / DEFAULT_FILENAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the with below
            dir=directory, prefix=f".{DEFAULT_FILENAME}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise _cache_unwritable(directory, exc) from exc
    completed = False
    try:
        with temporary:
            digest = hashlib.sha256()
            received = 0
            with _open_download(url, timeout) as response:
                total = _content_length(response)
                if total is not None and total > MAX_DOWNLOAD_BYTES:
                    reason = f"the server announced {total} bytes, more than names.txt can be"
                    raise _download_failed(url, reason)
                if progress is not None:
                    progress(0, total)
                while block := _read_block(response, url):
                    received += len(block)
                    if received > MAX_DOWNLOAD_BYTES:
                        reason = f"the response is larger than {MAX_DOWNLOAD_BYTES} bytes"
                        raise _download_failed(url, reason)
                    digest.update(block)
                    temporary.write(block)
                    if progress is not None:
                        progress(received, total)
            # http.client returns a short body without complaint when the server
            # closes early, so the announced length is checked here.
            if total is not None and received != total:
                reason = f"the connection dropped after {received} of {total} bytes"
                raise _download_failed(url, reason)
            actual_sha256 = digest.hexdigest()
            if actual_sha256 != expected_sha256.lower():
                reason = f"sha256 {actual_sha256[:16]}... instead of {expected_sha256[:16]}..."
                raise _download_failed(url, reason)
            temporary.flush()
            os.fsync(temporary.fileno())
        os.replace(temporary.name, target)
        completed = True
    except OSError as exc:
        # Network errors were turned into DatasetUnavailable where they happen, so
        # this is the cache: a full disk, a failed fsync or rename.
        raise _cache_unwritable(directory, exc) from exc
    finally:
        if not completed:
            Path(temporary.name).unlink(missing_ok=True)
    fsync_directory(directory)
    return target


def _cached_copy(expected_sha256: str) -> Path | None:
    """The cached names.txt if it is intact; a damaged copy is deleted."""
    cached = cache_dir() / DEFAULT_FILENAME
    try:
        if not cached.is_file():
            return None
        if _sha256_of_file(cached) == expected_sha256.lower():
            return cached
        # Truncated by a crash of an older version, or edited: never train on it.
        cached.unlink(missing_ok=True)
    except OSError:
        # Unreadable or undeletable; the download's rename will replace it if it can.
        pass
    return None


def resolve_dataset(
    data_arg: str | os.PathLike[str] | None = None,
    *,
    allow_download: bool = True,
    progress: ProgressCallback | None = None,
    url: str = DEFAULT_URL,
    expected_sha256: str = DEFAULT_SHA256,
) -> Path:
    """Return the path of the word list to use (see the module docstring for the order).

    Raises DataError when --data or BIGRAM_TUI_DATA names an unusable file (the
    user asked for that file, so falling back to names.txt would hide the
    mistake), and DatasetUnavailable when names.txt is neither cached nor
    downloadable.
    """
    if data_arg is not None:
        return check_readable(data_arg)
    from_environment = os.environ.get(DATA_ENV_VAR)
    if from_environment:
        try:
            return check_readable(from_environment)
        except DataError as exc:
            raise DataError(exc.path, exc.problem, exc.line, origin=DATA_ENV_VAR) from None
    cached = _cached_copy(expected_sha256)
    if cached is not None:
        return cached
    if not allow_download:
        raise DatasetUnavailable(
            f"{DEFAULT_FILENAME} is not in the cache ({cache_dir()}) and downloading is off; "
            f"{_WAY_OUT}, or allow the download (it needs network access once)"
        )
    return download_default(url=url, expected_sha256=expected_sha256, progress=progress)
