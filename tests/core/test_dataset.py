"""Finding the dataset: precedence, the cache and downloads from a local HTTP server.

Every download goes to a ThreadingHTTPServer on 127.0.0.1 started by a fixture;
a guard fails any test that tries to reach another host.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bigram_tui.core import dataset
from bigram_tui.core.data import DataError
from bigram_tui.core.dataset import (
    CACHE_DIR_ENV_VAR,
    DATA_ENV_VAR,
    DEFAULT_FILENAME,
    DEFAULT_SHA256,
    DEFAULT_URL,
    DatasetUnavailable,
    cache_dir,
    download_default,
    resolve_dataset,
)

# Big enough to arrive in several 64 KB reads, small enough to stay quick.
PAYLOAD = b"".join(f"name{i:05d}\n".encode() for i in range(25_000))
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()

Respond = Callable[[BaseHTTPRequestHandler], None]


def send_body(
    body: bytes, *, status: int = 200, announce_length: bool = True, piece_delay: float = 0.0
) -> Respond:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        if announce_length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if piece_delay:
            for start in range(0, len(body), 16 << 10):
                handler.wfile.write(body[start : start + (16 << 10)])
                handler.wfile.flush()
                time.sleep(piece_delay)
        else:
            handler.wfile.write(body)

    return respond


def drop_halfway(body: bytes) -> Respond:
    """Announce the whole body, send half of it, then close the connection."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        handler.close_connection = True

    return respond


def drop_chunked(body: bytes) -> Respond:
    """Send one chunk of a chunked response, then close mid-stream."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        piece = body[:1000]
        handler.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        handler.wfile.write(b"ffff\r\n" + body[1000:2000])
        handler.wfile.flush()
        handler.close_connection = True

    return respond


class LocalServer:
    """An HTTP server on a random local port, answering each path as told."""

    def __init__(self) -> None:
        self.routes: dict[str, Respond] = {}
        self.hits: list[str] = []
        self.release = threading.Event()  # lets hanging handlers go at teardown
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits.append(self.path)
                respond = server.routes.get(self.path)
                if respond is None:
                    self.send_error(404, "Not Found")
                else:
                    respond(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def serve(self, path: str, respond: Respond) -> str:
        self.routes[path] = respond
        return self.url(path)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    local.thread.start()
    try:
        yield local
    finally:
        local.release.set()
        local.httpd.shutdown()
        local.httpd.server_close()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the cache into tmp_path, clear the env the module reads, allow only loopback."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(cache))
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)

    real_urlopen = urllib.request.urlopen

    def loopback_only(request: urllib.request.Request | str, *args: object, **kw: object) -> object:
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        host = urllib.parse.urlsplit(url).hostname
        assert host in (None, "127.0.0.1"), f"a test tried to reach {url}"
        return real_urlopen(request, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(urllib.request, "urlopen", loopback_only)
    return cache


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A URL whose port is bound but not listening, so connecting is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/names.txt"


def cache_listing(cache: Path) -> list[str]:
    return sorted(os.listdir(cache)) if cache.exists() else []


def assert_way_out(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message
    assert "--data PATH" in message
    assert DATA_ENV_VAR in message
    return message


# --- downloads ------------------------------------------------------------------


def test_download_writes_the_verified_file(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    path = resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert path == isolated / DEFAULT_FILENAME
    assert path.read_bytes() == PAYLOAD
    assert cache_listing(isolated) == [DEFAULT_FILENAME]
    assert server.hits == ["/names.txt"]


def test_download_default_uses_the_same_cache(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    assert download_default(url=url, expected_sha256=PAYLOAD_SHA256) == cache_dir() / "names.txt"


def test_wrong_bytes_fail_the_checksum_and_leave_nothing(
    server: LocalServer, isolated: Path
) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD[:-1] + b"X"))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    message = assert_way_out(caught.value)
    assert message.startswith(f"could not download names.txt from {url} (sha256 ")
    assert cache_listing(isolated) == []


def test_default_checksum_rejects_other_content(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DatasetUnavailable, match=DEFAULT_SHA256[:16]):
        resolve_dataset(url=url)
    assert cache_listing(isolated) == []


def test_connection_dropped_halfway(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", drop_halfway(PAYLOAD))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    message = assert_way_out(caught.value)
    assert f"of {len(PAYLOAD)} bytes" in message
    assert cache_listing(isolated) == []


def test_chunked_response_dropped_halfway(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", drop_chunked(PAYLOAD))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert_way_out(caught.value)
    assert cache_listing(isolated) == []


def test_http_404(server: LocalServer, isolated: Path) -> None:
    url = server.url("/missing.txt")
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert "(HTTP 404 Not Found)" in assert_way_out(caught.value)
    assert cache_listing(isolated) == []


def test_connection_refused(refused_url: str, isolated: Path) -> None:
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=refused_url, expected_sha256=PAYLOAD_SHA256)
    message = assert_way_out(caught.value)
    assert message.startswith(f"could not download names.txt from {refused_url} (")
    assert "refused" in message.lower()
    assert cache_listing(isolated) == []


def test_malformed_url() -> None:
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url="not a url", expected_sha256=PAYLOAD_SHA256)
    assert_way_out(caught.value)


def test_server_that_never_answers_times_out(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", lambda handler: server.release.wait(10))
    started = time.monotonic()
    with pytest.raises(DatasetUnavailable, match="timed out"):
        download_default(url=url, expected_sha256=PAYLOAD_SHA256, timeout=0.3)
    assert time.monotonic() - started < 5
    assert cache_listing(isolated) == []


@pytest.mark.parametrize(
    ("announce_length", "expected"),
    [(False, "larger than 100000 bytes"), (True, f"announced {len(PAYLOAD)} bytes")],
)
def test_oversized_response_is_cut_off(
    server: LocalServer,
    isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    announce_length: bool,
    expected: str,
) -> None:
    monkeypatch.setattr(dataset, "MAX_DOWNLOAD_BYTES", 100_000)
    url = server.serve("/names.txt", send_body(PAYLOAD, announce_length=announce_length))
    with pytest.raises(DatasetUnavailable, match=expected):
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert cache_listing(isolated) == []


def test_progress_reports_growing_byte_counts(server: LocalServer) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    calls: list[tuple[int, int | None]] = []
    resolve_dataset(
        url=url,
        expected_sha256=PAYLOAD_SHA256,
        progress=lambda done, total: calls.append((done, total)),
    )
    counts = [done for done, _ in calls]
    assert counts[0] == 0
    assert counts[-1] == len(PAYLOAD)
    assert len(counts) > 2
    assert all(earlier < later for earlier, later in itertools.pairwise(counts))
    assert {total for _, total in calls} == {len(PAYLOAD)}


def test_progress_without_content_length(server: LocalServer) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD, announce_length=False))
    calls: list[tuple[int, int | None]] = []
    resolve_dataset(
        url=url,
        expected_sha256=PAYLOAD_SHA256,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (len(PAYLOAD), None)


def test_failing_progress_callback_leaves_no_file(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))

    def cancel(done: int, total: int | None) -> None:
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256, progress=cancel)
    assert cache_listing(isolated) == []


# --- concurrency ----------------------------------------------------------------


def test_two_threads_at_once_both_end_with_a_good_file(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD, piece_delay=0.01))
    final = isolated / DEFAULT_FILENAME
    results: list[Path | BaseException] = []
    partial_sightings: list[int] = []
    done = threading.Event()

    def resolve() -> None:
        try:
            results.append(resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256))
        except BaseException as exc:
            results.append(exc)

    def watch() -> None:
        # Whenever names.txt exists it must be whole: the rename is atomic.
        while not done.is_set():
            try:
                content = final.read_bytes()
            except FileNotFoundError:
                continue
            if content != PAYLOAD:
                partial_sightings.append(len(content))

    workers = [threading.Thread(target=resolve) for _ in range(2)]
    watcher = threading.Thread(target=watch)
    watcher.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    done.set()
    watcher.join(5)
    assert results == [final, final]
    assert partial_sightings == []
    assert final.read_bytes() == PAYLOAD
    assert cache_listing(isolated) == [DEFAULT_FILENAME]


def test_two_processes_at_once_both_end_with_a_good_file(
    server: LocalServer, isolated: Path
) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD, piece_delay=0.01))
    script = (
        "import sys\n"
        "from bigram_tui.core.dataset import resolve_dataset\n"
        "print(resolve_dataset(url=sys.argv[1], expected_sha256=sys.argv[2]))\n"
    )
    environment = {**os.environ, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, PAYLOAD_SHA256],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for _ in range(2)
    ]
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert out.strip() == str(isolated / DEFAULT_FILENAME)
    assert (isolated / DEFAULT_FILENAME).read_bytes() == PAYLOAD
    assert cache_listing(isolated) == [DEFAULT_FILENAME]
    assert len(server.hits) == 2


# --- the cache ------------------------------------------------------------------


def test_valid_cache_is_used_without_network(server: LocalServer, isolated: Path) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(PAYLOAD)
    url = server.serve("/names.txt", send_body(PAYLOAD))
    assert resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256) == isolated / DEFAULT_FILENAME
    assert server.hits == []


def test_valid_cache_is_used_when_offline(refused_url: str, isolated: Path) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(PAYLOAD)
    path = resolve_dataset(url=refused_url, expected_sha256=PAYLOAD_SHA256, allow_download=False)
    assert path == isolated / DEFAULT_FILENAME


def test_truncated_cache_is_replaced_by_a_fresh_download(
    server: LocalServer, isolated: Path
) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(PAYLOAD[:5000])
    url = server.serve("/names.txt", send_body(PAYLOAD))
    path = resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert path.read_bytes() == PAYLOAD
    assert server.hits == ["/names.txt"]


def test_corrupt_cache_is_removed_even_when_the_download_fails(
    refused_url: str, isolated: Path
) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(b"garbage")
    with pytest.raises(DatasetUnavailable):
        resolve_dataset(url=refused_url, expected_sha256=PAYLOAD_SHA256)
    assert cache_listing(isolated) == []


def test_no_download_allowed_and_nothing_cached(server: LocalServer, isolated: Path) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256, allow_download=False)
    message = assert_way_out(caught.value)
    assert message.startswith(f"names.txt is not in the cache ({isolated})")
    assert server.hits == []


def test_no_download_allowed_and_a_corrupt_cache(isolated: Path) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(PAYLOAD[:100])
    with pytest.raises(DatasetUnavailable, match="not in the cache"):
        resolve_dataset(expected_sha256=PAYLOAD_SHA256, allow_download=False)


def test_cache_dir_that_cannot_exist(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(blocker / "cache"))
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    message = assert_way_out(caught.value)
    assert message.startswith(f"cannot save names.txt in {blocker / 'cache'} (")
    assert CACHE_DIR_ENV_VAR in message
    assert server.hits == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_cache_dir(server: LocalServer, isolated: Path) -> None:
    isolated.mkdir()
    isolated.chmod(0o500)
    try:
        url = server.serve("/names.txt", send_body(PAYLOAD))
        with pytest.raises(DatasetUnavailable, match=r"cannot save names\.txt"):
            resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    finally:
        isolated.chmod(0o700)


def test_read_only_cache_dir_simulated(
    server: LocalServer, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DatasetUnavailable) as caught:
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert "(Permission denied)" in assert_way_out(caught.value)


def test_failed_rename_leaves_no_temporary_file(
    server: LocalServer, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset.os, "replace", refuse)
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DatasetUnavailable, match="No space left on device"):
        resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256)
    assert cache_listing(isolated) == []


# --- precedence -----------------------------------------------------------------


def test_environment_variable_comes_before_cache_and_network(
    server: LocalServer, isolated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated.mkdir()
    (isolated / DEFAULT_FILENAME).write_bytes(PAYLOAD)
    mine = tmp_path / "mine.txt"
    mine.write_text("emma\n")
    monkeypatch.setenv(DATA_ENV_VAR, str(mine))
    url = server.serve("/names.txt", send_body(PAYLOAD))
    assert resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256) == mine
    assert server.hits == []


def test_data_argument_comes_before_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused_url: str
) -> None:
    from_argument = tmp_path / "arg.txt"
    from_environment = tmp_path / "env.txt"
    from_argument.write_text("emma\n")
    from_environment.write_text("ava\n")
    monkeypatch.setenv(DATA_ENV_VAR, str(from_environment))
    assert resolve_dataset(str(from_argument), url=refused_url) == from_argument


def test_user_files_are_not_checksummed(tmp_path: Path, refused_url: str) -> None:
    mine = tmp_path / "names.txt"
    mine.write_text("anything at all\n")
    assert resolve_dataset(str(mine), url=refused_url) == mine


def test_bad_data_argument_is_an_error_not_a_fallback(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/names.txt", send_body(PAYLOAD))
    with pytest.raises(DataError, match="no such file"):
        resolve_dataset(str(tmp_path / "typo.txt"), url=url, expected_sha256=PAYLOAD_SHA256)
    assert server.hits == []


def test_bad_environment_variable_says_where_the_path_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refused_url: str
) -> None:
    missing = tmp_path / "gone.txt"
    monkeypatch.setenv(DATA_ENV_VAR, str(missing))
    with pytest.raises(DataError) as caught:
        resolve_dataset(url=refused_url)
    assert str(caught.value).startswith(f"{missing} (from {DATA_ENV_VAR}): no such file;")


def test_empty_environment_variable_is_ignored(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_ENV_VAR, "")
    url = server.serve("/names.txt", send_body(PAYLOAD))
    assert resolve_dataset(url=url, expected_sha256=PAYLOAD_SHA256).read_bytes() == PAYLOAD


# --- cache_dir ------------------------------------------------------------------


def test_cache_dir_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV_VAR, str(tmp_path / "here"))
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/else")
    assert cache_dir() == tmp_path / "here"


def test_cache_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg/cache")
    assert cache_dir() == Path("/xdg/cache/bigram-tui")


@pytest.mark.parametrize("xdg", [None, "", "relative/cache"])
def test_cache_dir_falls_back_to_home(monkeypatch: pytest.MonkeyPatch, xdg: str | None) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV_VAR)
    monkeypatch.setenv("HOME", "/home/someone")
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache_dir() == Path("/home/someone/.cache/bigram-tui")


def test_constants() -> None:
    assert DEFAULT_URL == "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
    assert DEFAULT_SHA256 == "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
    assert DEFAULT_FILENAME == "names.txt"
    assert DATA_ENV_VAR == "BIGRAM_TUI_DATA"
