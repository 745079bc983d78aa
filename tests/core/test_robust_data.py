"""Datasets the tool was never meant for, beyond test_data.py and test_dataset.py.

Those modules cover bad paths, special files, encodings, '.', control and invisible
characters and the limits at the core level. Here: the same faults through the CLI and the
app, a vocabulary of 90 characters, a 100 MB line, 16,000 distinct characters and a 50 MB
file end to end.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bigram_tui.core.batch_sampling import sample_names
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.data import read_words
from bigram_tui.core.model import NgramModel

from ..cli.helpers import one_line_error, run_cli
from .helpers import TOKENS, WIDE_CHARS, write_wide_words

pytestmark = pytest.mark.usefixtures("no_data_variable")


# --- a vocabulary of 89 characters --------------------------------------------------------


def test_wide_vocabulary_counts_and_samples(tmp_path: Path) -> None:
    """Every character becomes a token, and sampling walks among all of them."""
    path = write_wide_words(tmp_path)
    counts = NgramCounts.from_words(read_words(path), 2)
    assert counts.vocab.size == TOKENS > 80
    names = sample_names(NgramModel(counts, 0.0), 2000, seed=0)
    seen = {char for name in names for char in name.text}
    assert seen <= set(WIDE_CHARS)
    assert len(seen) > 80
    assert not any(name.cut for name in names)


def test_wide_vocabulary_through_the_cli(capsys, tmp_path: Path) -> None:
    """stats abbreviates the 89 characters on one line; sample and score accept them."""
    path = write_wide_words(tmp_path)
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


MEMORY_PROBE = """
import resource, sys
from bigram_tui.core.counts import NgramCounts
from bigram_tui.core.data import DataError, iter_word_chunks
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    counts = NgramCounts.from_word_chunks(iter_word_chunks(sys.argv[1]), 2)
    outcome = f"{counts.words} {counts.total}"
except DataError as error:
    outcome = error.problem.split(" ")[0] + f" {error.line}"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(outcome, (after - before) // 1024)
"""


def growth_of_counting(path: Path) -> tuple[str, int]:
    """What counting `path` gave in a fresh process, and by how many MB it grew."""
    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    outcome, grown_mb = result.stdout.rsplit(" ", 1)
    return outcome, int(grown_mb)


def test_a_100_megabyte_line_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """One long line is found while streaming, never read whole (it once took 2 GB)."""
    path = tmp_path / "one-line.txt"
    with path.open("w", encoding="utf-8") as stream:
        stream.write("emma\n")
        for _ in range(100):
            stream.write("ab" * (1 << 19))
    outcome, grown_mb = growth_of_counting(path)
    assert outcome == "is 2"  # "is longer than …", on line 2
    assert grown_mb < 30, f"refusing the line grew the process by {grown_mb} MB"


def test_a_long_line_through_the_cli(capsys, tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text(f"emma\n{'ab' * (5 << 19)}\nava\n", encoding="utf-8")
    line = one_line_error(*run_cli(capsys, "stats", "--data", path)[::2])
    assert line == (
        f"bigram-tui: {path}, line 2: is longer than 1,000 characters, the limit for one word; "
        "put one word on each line"
    )


def test_16000_distinct_characters_are_refused_at_once(capsys, tmp_path: Path) -> None:
    """50 KB of distinct characters once took 18 GB and 75 s; now one line, before counting."""
    path = tmp_path / "cjk.txt"
    path.write_text("\n".join(chr(0x4E00 + i) for i in range(16_000)), encoding="utf-8")
    outcome, grown_mb = growth_of_counting(path)
    assert outcome == "uses None" and grown_mb < 30
    line = one_line_error(*run_cli(capsys, "stats", "--data", path)[::2])
    assert line == (
        f"bigram-tui: {path}: uses 16,000 distinct characters by line 16,000, over the limit "
        "of 1,000 (the count table grows with their square); "
        "use a word list with fewer distinct characters"
    )


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
    outcome, grown_mb = growth_of_counting(path)
    words, total = map(int, outcome.split())
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
    assert seen == sorted(seen) and seen[-1] == session.counts(2).words == 20 * len(names)
