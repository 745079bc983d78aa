"""The session's one split: its own if loaded with one, else the lectures' 80/10/10, read once."""

from __future__ import annotations

import threading
import time

import pytest

from bigram_tui.core import data as core_data
from bigram_tui.core.session import Session
from bigram_tui.core.split import SPLIT_FRACTIONS, SPLIT_SEED, split_words


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Every path core.data.read_words is asked for, from now on."""
    seen: list[str] = []
    original = core_data.read_words

    def counted(path):
        seen.append(str(path))
        time.sleep(0.05)  # long enough for racing threads to overlap
        return original(path)

    monkeypatch.setattr(core_data, "read_words", counted)
    return seen


def test_without_a_split_it_is_the_lectures_default_split(data, reads):
    session = Session.load(data)
    split = session.word_split()
    expected = split_words(data.read_text().split(), SPLIT_FRACTIONS, SPLIT_SEED)
    assert (split.train, split.dev, split.test) == (expected.train, expected.dev, expected.test)
    assert split.seed == SPLIT_SEED == 42
    assert session.split is None  # the n-gram methods still fit on every word
    assert reads == [str(data)]


def test_it_is_made_once_and_shared(data, reads):
    session = Session.load(data)
    first = session.word_split()
    assert session.word_split() is first
    assert session.evaluation().split is first
    assert session.evaluation() is session.evaluation()
    assert len(reads) == 1


def test_racing_threads_get_one_split_from_one_read(data, reads):
    session = Session.load(data)
    seen = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        seen.append(session.word_split())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and all(split is seen[0] for split in seen)
    assert len(reads) == 1


def test_a_session_loaded_with_a_split_uses_its_own_and_reads_nothing(data, reads):
    session = Session.load(data, split=(0.6, 0.2, 0.2), split_seed=3)
    assert session.word_split() is session.split
    assert session.word_split().seed == 3
    assert reads == []


def test_the_part_counts_are_the_evaluations_counted_once(data):
    session = Session.load(data, split=(0.6, 0.2, 0.2))
    parts = session.part_counts(3)
    train, dev, test = session.evaluation().counts(3)
    assert (parts["train"], parts["dev"], parts["test"]) == (train, dev, test)
    assert parts["dev"] is dev and session.train_counts(3) is train


def test_an_unreadable_file_is_the_data_error_and_a_later_call_tries_again(data):
    session = Session.load(data)
    text = data.read_text()
    data.unlink()
    with pytest.raises(core_data.DataError) as error:
        session.word_split()
    assert data.name in str(error.value)
    data.write_text(text)
    assert sum(session.word_split().sizes) == len(text.split())
