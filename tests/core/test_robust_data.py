"""Datasets the tool was never meant for, beyond tests/test_data.py and tests/test_dataset.py.

Those modules cover bad paths, special files, encodings, '.', control characters and the
download protocol at the core level. Here: the same faults through the CLI and the app, a
vocabulary of 90 characters, a 5 MB line and a 50 MB file end to end, and the cache under
concurrent use, truncation and failing downloads.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bigram_tui.core import dataset
from bigram_tui.core.counts import BigramCounts
from bigram_tui.core.data import read_words
from bigram_tui.core.dataset import DatasetUnavailable, resolve_dataset
from bigram_tui.core.model import counts_model
from bigram_tui.core.sampling import sample_names

from ..cli.helpers import run_cli

# 89 characters: upper and lower case, digits, accented letters, a space, an emoji and a
# combining acute accent (which follows a letter, so it never starts a word).
WIDE_CHARS = (
    "abcdefghijklmnopqrstuvwxyz"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "0123456789"
    "àáâäçèéêëìíîïñòóôöùúûüÿß"
    " 😀\u0301"
)
TOKENS = len(WIDE_CHARS) + 1  # with '.'


def wide_words() -> list[str]:
    """Words that use every one of WIDE_CHARS, each at least twice."""
    base = [c for c in WIDE_CHARS if c not in " \u0301"]
    words = [f"{base[i]}{base[(i * 7 + 3) % len(base)]}e\u0301" for i in range(len(base))]
    words += [f"{c}a {c}b" for c in base]  # inner spaces are characters
    return words


def usage_error(code: int, err: str) -> str:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip()


@pytest.fixture(autouse=True)
def _no_data_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(dataset.DATA_ENV_VAR, raising=False)


# --- a vocabulary of 89 characters --------------------------------------------------------


def test_wide_vocabulary_counts_and_samples(tmp_path: Path) -> None:
    """Every character becomes a token, and sampling walks among all of them."""
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(wide_words()) + "\n", encoding="utf-8")
    counts = BigramCounts.from_words(read_words(path))
    assert counts.vocab.size == TOKENS > 80
    names = sample_names(counts_model(counts, 0.0), 2000, seed=0)
    seen = {char for name in names for char in name.text}
    assert seen <= set(WIDE_CHARS)
    assert len(seen) > 80
    assert not any(name.cut for name in names)


def test_wide_vocabulary_through_the_cli(capsys, tmp_path: Path) -> None:
    """stats abbreviates the 89 characters on one line; sample and score accept them."""
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(wide_words()) + "\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "stats", "--data", path)
    assert (code, err) == (0, "")
    vocabulary = next(line for line in out.splitlines() if line.startswith("vocabulary"))
    assert f"{TOKENS} tokens" in vocabulary and "…" in vocabulary and len(vocabulary) < 120
    code, out, err = run_cli(capsys, "sample", "--data", path, "-n", 50, "--seed", 3)
    assert (code, err) == (0, "") and len(out.splitlines()) == 50
    code, out, err = run_cli(capsys, "score", "--data", path, "Ae\u0301", "😀a 😀b")
    assert (code, err) == (0, "")
    assert "-inf" not in out.split("all 2 words")[1]


# --- size ------------------------------------------------------------------------------------


def test_five_megabyte_line_through_the_cli(capsys, tmp_path: Path) -> None:
    """A 5 MB word is counted like any other; stats reports its length."""
    long_word = "ab" * (5 << 19)
    path = tmp_path / "long.txt"
    path.write_text(f"emma\n{long_word}\nava\n", encoding="utf-8")
    code, out, err = run_cli(capsys, "stats", "--data", path, "--json")
    assert (code, err) == (0, "")
    assert '"max_length": 5242880' in out and '"words": 3' in out


MEMORY_PROBE = """
import resource, sys
from bigram_tui.core.counts import BigramCounts
from bigram_tui.core.data import iter_word_chunks
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
counts = BigramCounts.from_word_chunks(iter_word_chunks(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(counts.words, counts.total, (after - before) // 1024)
"""


@pytest.mark.parametrize(
    "megabytes", [16, pytest.param(50, marks=pytest.mark.slow)], ids=lambda mb: f"{mb}MB"
)
def test_big_files_stream_with_bounded_memory(
    tmp_path: Path, names: list[str], megabytes: int
) -> None:
    """A big word list is counted in chunks: memory does not grow with the file."""
    block = "\n".join(names) + "\n"
    repeats = (megabytes << 20) // len(block) + 1
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as stream:
        for _ in range(repeats):
            stream.write(block)
    assert path.stat().st_size >> 20 >= megabytes
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    words, total, grown_mb = map(int, result.stdout.split())
    assert words == len(names) * repeats
    assert total == sum(len(word) + 1 for word in names) * repeats
    # As one list of str, the words of 16 MB take ~160 MB and those of 50 MB ~500 MB; one
    # 1 MB chunk with its int32 tensors takes tens of MB, whatever the size of the file.
    assert grown_mb < 100, f"counting grew the process by {grown_mb} MB"


def test_loading_reports_progress_per_chunk(tmp_path: Path, names: list[str]) -> None:
    """The app's loader calls back after each chunk with a growing word count."""
    from bigram_tui.core.session import Session

    block = "\n".join(names) + "\n"
    path = tmp_path / "five.txt"
    path.write_text(block * 20, encoding="utf-8")  # 4.5 MB
    seen: list[int] = []
    session = Session.load(path, seed=1, progress=seen.append)
    assert len(seen) >= 4
    assert seen == sorted(seen) and seen[-1] == session.counts.words == 20 * len(names)


# --- the cache and the download, through the CLI -------------------------------------------


class Server:
    """A local HTTP server whose one route answers with `respond(handler)`."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                respond(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}/names.txt"

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serving(
    body: bytes,
    *,
    announce: int | None = None,
    pause: threading.Event | None = None,
    halfway: threading.Event | None = None,
):
    """A responder that sends `body`, claiming `announce` bytes, optionally pausing midway."""

    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body) if announce is None else announce))
        handler.end_headers()
        half = len(body) // 2
        handler.wfile.write(body[:half])
        handler.wfile.flush()
        if halfway is not None:
            halfway.set()
        if pause is not None:
            pause.wait(10)
        handler.wfile.write(body[half:])
        handler.wfile.flush()
        handler.close_connection = True

    return respond


READERS = 4
GOOD = b"emma\nolivia\nava\nisabella\nsophia\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv(dataset.CACHE_DIR_ENV_VAR, str(directory))
    # The CLI calls resolve_dataset with its defaults: aim them at the local server's data.
    monkeypatch.setitem(
        resolve_dataset.__kwdefaults__, "expected_sha256", hashlib.sha256(GOOD).hexdigest()
    )
    return directory


def aim(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setitem(resolve_dataset.__kwdefaults__, "url", url)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_truncated_cache_is_fetched_again_by_the_cli(capsys, cache: Path, monkeypatch) -> None:
    """A names.txt cut short by a crash is detected by its checksum and replaced."""
    cache.mkdir()
    (cache / "names.txt").write_bytes(GOOD[:10])
    with Server(serving(GOOD)) as server:
        aim(monkeypatch, server.url)
        code, out, err = run_cli(capsys, "stats", "--json")
    assert (code, err) == (0, "")
    assert '"words": 5' in out
    assert (cache / "names.txt").read_bytes() == GOOD
    assert leftovers(cache) == ["names.txt"]


@pytest.mark.parametrize(
    ("respond", "reason"),
    [
        (serving(GOOD, announce=len(GOOD) * 2), "the connection dropped after"),
        (serving(GOOD.upper()), "sha256"),
    ],
    ids=["dropped", "wrong-bytes"],
)
def test_failed_download_leaves_nothing(capsys, cache, monkeypatch, respond, reason):
    """A dropped or wrong download fails in one line, with no partial file in the cache."""
    cache.mkdir()
    (cache / "names.txt").write_bytes(GOOD[:-3])  # a corrupt copy, deleted on sight
    with Server(respond) as server:
        aim(monkeypatch, server.url)
        line = usage_error(*run_cli(capsys, "stats")[::2])
    assert line.startswith("bigram-tui: could not download names.txt from http://127.0.0.1:")
    assert reason in line and line.endswith("or set BIGRAM_TUI_DATA")
    assert leftovers(cache) == []


def test_a_reader_never_sees_a_download_in_progress(cache: Path, monkeypatch) -> None:
    """While one caller downloads, another finds no names.txt rather than half of one."""
    release, halfway = threading.Event(), threading.Event()
    results: list[object] = []
    with Server(serving(GOOD, pause=release, halfway=halfway)) as server:
        aim(monkeypatch, server.url)
        downloader = threading.Thread(target=lambda: results.append(resolve_dataset()))
        downloader.start()
        try:
            assert halfway.wait(10)
            assert [p for p in leftovers(cache) if p.endswith(".part")]
            assert not (cache / "names.txt").exists()
            with pytest.raises(DatasetUnavailable, match="not in the cache"):
                resolve_dataset(allow_download=False)
        finally:
            release.set()
            downloader.join(10)
    assert results == [cache / "names.txt"]
    assert (cache / "names.txt").read_bytes() == GOOD
    assert leftovers(cache) == ["names.txt"]


def test_concurrent_first_runs_agree(cache: Path, monkeypatch) -> None:
    """Several callers starting at once each end with the complete, verified file."""
    results: list[object] = []
    lock = threading.Lock()
    with Server(serving(GOOD)) as server:
        aim(monkeypatch, server.url)

        def fetch() -> None:
            try:
                path = resolve_dataset()
                outcome: object = path.read_bytes()
            except Exception as exc:  # collected, then asserted on below
                outcome = exc
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=fetch) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert results == [GOOD] * READERS
    assert leftovers(cache) == ["names.txt"]
