"""Bigram counts on small corpora, checked against a naive Python count."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bigram_tui.core.counts import BigramCounts, encode_words, training_examples
from bigram_tui.core.vocab import Vocab

# No '.', no control characters; accents, CJK, emoji (with a skin-tone modifier) and a
# combining mark, each a code point of its own.
ALPHABET = "abcxyzABZ019 -'éüßñ漢字😀👍🏽\u0301"
WORDS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=30)


def naive_counts(words: list[str]) -> Counter[tuple[str, str]]:
    """The notebook's In[10] loop: '.' + word + '.' and every consecutive pair."""
    counter: Counter[tuple[str, str]] = Counter()
    for word in words:
        counter.update(itertools.pairwise([".", *word, "."]))
    return counter


def as_dict(counts: BigramCounts) -> dict[tuple[str, str], int]:
    itos = counts.vocab.itos
    return {
        (itos[i], itos[j]): int(counts.counts[i, j])
        for i in range(counts.vocab.size)
        for j in range(counts.vocab.size)
        if counts.counts[i, j] != 0
    }


def chunked(words: list[str], cuts: list[int]) -> list[list[str]]:
    bounds = [0, *sorted(c % (len(words) + 1) for c in cuts), len(words)]
    return [words[a:b] for a, b in itertools.pairwise(bounds)]


def test_small_corpus_counts():
    counts = BigramCounts.from_words(["emma", "ava"])
    assert counts.vocab.itos == (".", "a", "e", "m", "v")
    assert counts.counts.dtype == torch.int64
    assert counts.counts.shape == (5, 5)
    assert counts.count(".", "e") == 1
    assert counts.count("m", "m") == 1
    assert counts.count("a", ".") == 2
    assert counts.count("a", "v") == 1
    assert counts.count("v", "a") == 1
    assert counts.count("e", "a") == 0
    assert counts.total == 5 + 4
    assert (counts.words, counts.min_length, counts.max_length) == (2, 3, 4)


def test_matches_naive_dict_count():
    words = ["anna", "bob", "annabelle", "a", "zz", "bob"]
    counts = BigramCounts.from_words(words)
    assert as_dict(counts) == dict(naive_counts(words))


def test_vocabulary_missing_letters():
    """A corpus without most letters gets a small matrix; unseen letters are unknown."""
    counts = BigramCounts.from_words(["xy", "yx", "yy"])
    assert counts.vocab.itos == (".", "x", "y")
    # .x xy y.  .y yx x.  .y yy y.
    assert counts.counts.tolist() == [[0, 1, 2], [1, 0, 1], [2, 1, 1]]
    with pytest.raises(KeyError):
        counts.count("a", "x")


def test_emoji_combining_and_accents_are_code_points():
    words = ["e\u0301a", "éa", "👍🏽", "😀😀"]
    counts = BigramCounts.from_words(words)
    assert set(counts.vocab.chars) == {"e", "\u0301", "a", "é", "👍", "🏽", "😀"}
    assert counts.count("e", "\u0301") == 1
    assert counts.count("\u0301", "a") == 1
    assert counts.count(".", "é") == 1
    assert counts.count("👍", "🏽") == 1
    assert counts.count("😀", "😀") == 1
    assert counts.min_length == 2  # "👍🏽" is two code points, "e\u0301a" three
    assert counts.max_length == 3
    assert counts.total == sum(len(w) + 1 for w in words)
    assert as_dict(counts) == dict(naive_counts(words))


def test_empty_word_counts_the_dot_dot_bigram():
    counts = BigramCounts.from_words(["", "a"])
    assert counts.count(".", ".") == 1
    assert counts.total == 3
    assert counts.min_length == 0


def test_no_words_raises():
    with pytest.raises(ValueError):
        BigramCounts.from_words([])
    with pytest.raises(ValueError):
        BigramCounts.from_word_chunks([[], []])


def test_chunks_with_disjoint_alphabets_merge():
    """Each chunk sees different characters; the merged matrix is in the union vocabulary."""
    chunks = [["ab"], [], ["cd", "c"], ["zz", "a"]]
    merged = BigramCounts.from_word_chunks(chunks)
    whole = BigramCounts.from_words([w for chunk in chunks for w in chunk])
    assert merged.vocab == whole.vocab == Vocab(("a", "b", "c", "d", "z"))
    assert torch.equal(merged.counts, whole.counts)
    assert (merged.words, merged.min_length, merged.max_length) == (5, 1, 2)


def test_from_word_chunks_streams_a_generator():
    def gen():
        yield ["ab", "b"]
        yield ["ba"]

    counts = BigramCounts.from_word_chunks(gen())
    assert as_dict(counts) == dict(naive_counts(["ab", "b", "ba"]))


def test_dot_layout_is_the_matrix():
    counts = BigramCounts.from_words(["ab", "ba"])
    table = counts.table("dot")
    assert table.labels == (".", "a", "b")
    assert torch.equal(table.counts, counts.counts)
    default = counts.table()
    assert default.labels == table.labels
    assert torch.equal(default.counts, table.counts)


def test_start_end_layout():
    """<S> and <E> are separate: the <E> row and the <S> column are all zero."""
    counts = BigramCounts.from_words(["ab", "b", ""])
    table = counts.table("start_end")
    assert table.labels == ("a", "b", "<S>", "<E>")
    assert table.counts.tolist() == [
        # a  b  <S> <E>
        [0, 1, 0, 0],  # a
        [0, 0, 0, 2],  # b
        [1, 1, 0, 1],  # <S> ('<S><E>' is the empty word)
        [0, 0, 0, 0],  # <E>
    ]
    assert int(table.counts.sum()) == counts.total


def test_unknown_layout_raises():
    counts = BigramCounts.from_words(["ab"])
    with pytest.raises(ValueError, match="layout"):
        counts.table("grid")
    with pytest.raises(ValueError):
        counts.most_common(layout="grid")


def test_most_common_ties_in_first_appearance_order():
    counts = BigramCounts.from_words(["ab", "ba"])  # .ab.ba.
    assert counts.most_common() == [
        ("<S>", "a", 1),
        ("a", "b", 1),
        ("b", "<E>", 1),
        ("<S>", "b", 1),
        ("b", "a", 1),
        ("a", "<E>", 1),
    ]
    assert counts.most_common(layout="dot") == [
        (".", "a", 1),
        ("a", "b", 1),
        ("b", ".", 1),
        (".", "b", 1),
        ("b", "a", 1),
        ("a", ".", 1),
    ]


def test_most_common_orders_by_count_then_first_appearance():
    counts = BigramCounts.from_words(["aaa", "ba", "ab"])
    # .a 2, aa 2, a. 2, then .b 1 (seen before ba, ab and b.)
    assert counts.most_common(4) == [
        ("<S>", "a", 2),
        ("a", "a", 2),
        ("a", "<E>", 2),
        ("<S>", "b", 1),
    ]
    assert counts.most_common(0) == []
    assert len(counts.most_common()) == 7  # zero counts are left out
    assert len(counts.most_common(100)) == 7


def test_first_appearance_survives_chunks_and_a_growing_vocabulary():
    """A later chunk with new letters re-places the table; positions count from the data's start."""
    words = ["zz", "ab", "cd", "ef"]  # every bigram once: the list is the data's order
    whole = BigramCounts.from_words(words)
    chunked = BigramCounts.from_word_chunks([words[:1], words[1:3], words[3:]])
    assert chunked.most_common(layout="dot") == whole.most_common(layout="dot")
    assert torch.equal(chunked.first_seen, whole.first_seen)
    in_data_order = [pair for word in words for pair in itertools.pairwise(f".{word}.")]
    assert [(a, b) for a, b, _ in chunked.most_common(layout="dot")] == in_data_order


def test_counts_without_data_break_ties_in_table_order():
    counts = BigramCounts(Vocab(tuple("a")), torch.tensor([[1, 1], [1, 0]]), 1, 1, 1)
    assert counts.most_common(layout="dot") == [(".", ".", 1), (".", "a", 1), ("a", ".", 1)]


def test_training_examples_are_the_bigrams_in_order():
    words = ["ab", "b"]
    vocab = Vocab.from_words(words)
    xs, ys = training_examples(words, vocab)
    assert xs.tolist() == [0, 1, 2, 0, 2]
    assert ys.tolist() == [1, 2, 0, 2, 0]
    assert encode_words(words, vocab).tolist() == [0, 1, 2, 0, 2, 0]


def test_encode_words_rejects_characters_outside_the_vocabulary():
    with pytest.raises(KeyError):
        encode_words(["abz"], Vocab(("a", "b")))


@settings(max_examples=50, deadline=None)
@given(WORDS)
def test_counts_equal_naive_count(words):
    counts = BigramCounts.from_words(words)
    assert as_dict(counts) == dict(naive_counts(words))
    assert counts.words == len(words)
    assert counts.min_length == min(map(len, words))
    assert counts.max_length == max(map(len, words))


@settings(max_examples=50, deadline=None)
@given(WORDS)
def test_total_is_sum_of_lengths_plus_one(words):
    assert BigramCounts.from_words(words).total == sum(len(w) + 1 for w in words)


@settings(max_examples=50, deadline=None)
@given(WORDS)
def test_row_sums_equal_column_sums(words):
    """Every character starts as many bigrams as it ends; '.' is both start and end."""
    counts = BigramCounts.from_words(words).table("dot").counts
    assert torch.equal(counts.sum(dim=0), counts.sum(dim=1))
    assert int(counts[0].sum()) == len(words)


@settings(max_examples=50, deadline=None)
@given(WORDS, st.lists(st.integers(min_value=0, max_value=40), max_size=6))
def test_from_word_chunks_independent_of_chunking(words, cuts):
    whole = BigramCounts.from_words(words)
    parts = BigramCounts.from_word_chunks(chunked(words, cuts))
    assert parts.vocab == whole.vocab
    assert torch.equal(parts.counts, whole.counts)
    assert (parts.words, parts.min_length, parts.max_length) == (
        whole.words,
        whole.min_length,
        whole.max_length,
    )
