"""Counts of order n: against a naive Python loop, streaming, vocab growth, limits, and the
lecture's bigram views of order 2 (core.notebook's matrix, layouts and most-common list)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from bigram_tui.core import count_runs
from bigram_tui.core.count_runs import UnknownCharacters, encode_padded
from bigram_tui.core.counts import NgramCounts, NgramError, count_split, max_order_for, ngram_ids
from bigram_tui.core.notebook import (
    bigram_matrix,
    count_table,
    most_common_bigrams,
    training_examples,
)
from bigram_tui.core.params import MAX_ORDER, ParameterError, check_order
from bigram_tui.core.vocab import Vocab

ORDERS = range(1, MAX_ORDER + 1)

# No '.', no control characters; accents, CJK, emoji (with a skin-tone modifier) and a
# combining mark, each a code point of its own.
ALPHABET = "abcxyzABZ019 -'éüßñ漢字😀👍🏽\u0301"
WORDS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=30)

CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]
SMALL_CORPUS = ["anna", "bob", "annabelle", "a", "zz", "bob"]


def naive_counts(words, order):
    """makemore's padding written as a Python loop: the reference the vectorised count meets.

    At order 2 this is the notebook's In[10] loop: '.' + word + '.' and every consecutive pair.
    """
    counter: Counter[tuple[str, ...]] = Counter()
    for word in words:
        tokens = ["."] * (order - 1) + list(word) + ["."]
        for i in range(len(word) + 1):
            counter[tuple(tokens[i : i + order])] += 1
    return counter


def as_dict(counts: NgramCounts) -> dict[tuple[str, ...], int]:
    """Every n-gram that occurs, with its count, read from the sparse ids."""
    return dict(counts.most_common())


def matrix_dict(counts: NgramCounts) -> dict[tuple[str, ...], int]:
    """The same, read from the V×V bigram matrix (order 2 only)."""
    itos, matrix = counts.vocab.itos, bigram_matrix(counts)
    return {
        (itos[i], itos[j]): int(matrix[i, j])
        for i in range(counts.vocab.size)
        for j in range(counts.vocab.size)
        if matrix[i, j] != 0
    }


def chunked(words: list[str], cuts: list[int]) -> list[list[str]]:
    bounds = [0, *sorted(c % (len(words) + 1) for c in cuts), len(words)]
    return [words[a:b] for a, b in itertools.pairwise(bounds)]


# --- every order against the naive count ---------------------------------------------------


@pytest.mark.parametrize("words", [CORPUS, SMALL_CORPUS], ids=["names", "small"])
@pytest.mark.parametrize("order", ORDERS)
def test_counts_match_a_python_loop(words, order):
    counts = NgramCounts.from_words(words, order)
    expected = naive_counts(words, order)
    assert counts.total == sum(len(w) + 1 for w in words)
    assert counts.entries == len(expected)
    for ngram, n in expected.items():
        assert counts.count(ngram) == n
    assert as_dict(counts) == dict(expected)
    # Ties in first-appearance order, as a dict sorted by count keeps them.
    by_count = sorted(expected.items(), key=lambda item: item[1], reverse=True)
    assert counts.most_common() == by_count
    if order == 2:
        assert matrix_dict(counts) == dict(expected)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=300),
    st.integers(0, 2**31 - 1),
)
def test_tallying_and_sorting_give_the_same_run(ids, offset):
    # Small id spaces are tallied, middling ones sorted alone, others sorted with their
    # positions: all must give the same ids, counts and first positions.
    ids_array = np.array(ids, dtype=np.int32)
    sorted_run = count_runs._sorted_run(ids_array, offset)
    for run in (
        count_runs._tallied_run(ids_array, offset),
        count_runs._first_found_run(ids_array, offset, max(ids) + 1),
    ):
        assert run.keys.tolist() == sorted_run.keys.tolist()
        assert run.counts.tolist() == sorted_run.counts.tolist()
        assert run.counts.dtype == sorted_run.counts.dtype


@pytest.mark.parametrize("order", ORDERS)
def test_windows_count_as_the_words_do(order):
    # from_windows takes any convention's windows; given the padded words' own windows it
    # must count exactly what from_words counts.
    vocab = Vocab.from_words(CORPUS)
    codes = ngram_ids(CORPUS, vocab, order)
    digits = [(codes // vocab.size**p) % vocab.size for p in reversed(range(order))]
    windows = torch.stack(digits, dim=1).to(torch.int32)
    counted = NgramCounts.from_windows(windows, vocab, words=len(CORPUS))
    expected = NgramCounts.from_words(CORPUS, order, vocab)
    assert torch.equal(counted.ids, expected.ids)
    assert torch.equal(counted.counts, expected.counts)
    assert torch.equal(counted.first_seen, expected.first_seen)


@pytest.mark.parametrize("order", ORDERS)
def test_every_order_gives_228146_examples(ngram_counts_of, order):
    assert ngram_counts_of(order).total == 228_146


def test_small_corpus_counts():
    counts = NgramCounts.from_words(["emma", "ava"], 2)
    matrix = bigram_matrix(counts)
    assert counts.vocab.itos == (".", "a", "e", "m", "v")
    assert matrix.dtype == torch.int64
    assert matrix.shape == (5, 5)
    assert counts.count((".", "e")) == 1
    assert counts.count(("m", "m")) == 1
    assert counts.count(("a", ".")) == 2
    assert counts.count(("a", "v")) == 1
    assert counts.count(("v", "a")) == 1
    assert counts.count(("e", "a")) == 0
    assert counts.total == 5 + 4
    assert (counts.words, counts.min_length, counts.max_length) == (2, 3, 4)


def test_vocabulary_missing_letters():
    """A corpus without most letters gets a small matrix; unseen letters are unknown."""
    counts = NgramCounts.from_words(["xy", "yx", "yy"], 2)
    assert counts.vocab.itos == (".", "x", "y")
    # .x xy y.  .y yx x.  .y yy y.
    assert bigram_matrix(counts).tolist() == [[0, 1, 2], [1, 0, 1], [2, 1, 1]]
    with pytest.raises(KeyError):
        counts.count(("a", "x"))


@pytest.mark.parametrize("order", ORDERS)
def test_emoji_combining_and_accents_are_code_points(order):
    words = ["e\u0301a", "éa", "👍🏽", "😀😀"]
    counts = NgramCounts.from_words(words, order)
    assert set(counts.vocab.chars) == {"e", "\u0301", "a", "é", "👍", "🏽", "😀"}
    assert counts.min_length == 2  # "👍🏽" is two code points, "e\u0301a" three
    assert counts.max_length == 3
    assert counts.total == sum(len(w) + 1 for w in words)
    assert as_dict(counts) == dict(naive_counts(words, order))
    if order == 2:
        assert counts.count(("e", "\u0301")) == 1
        assert counts.count(("\u0301", "a")) == 1
        assert counts.count((".", "é")) == 1
        assert counts.count(("👍", "🏽")) == 1
        assert counts.count(("😀", "😀")) == 1
        assert matrix_dict(counts) == dict(naive_counts(words, 2))


@pytest.mark.parametrize("order", ORDERS)
def test_empty_word_counts_the_all_boundary_ngram(order):
    counts = NgramCounts.from_words(["", "a"], order)
    # '' is n '.'s: once at every order ≥ 2; at order 1 "a" ends in a '.' of its own too.
    assert counts.count((".",) * order) == (2 if order == 1 else 1)
    assert counts.total == 3
    assert counts.min_length == 0


@pytest.mark.parametrize("order", ORDERS)
def test_no_words_is_refused_in_one_line(order):
    with pytest.raises(ValueError):
        NgramCounts.from_words([], order)
    with pytest.raises(NgramError, match="no words") as info:
        NgramCounts.from_word_chunks([[], []], order)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


# --- streaming and a growing vocabulary ----------------------------------------------------

GROWING_CHUNKS = [
    # Each chunk sees different characters; the merged counts are in the union vocabulary.
    ([["ab"], [], ["cd", "c"], ["zz", "a"]], Vocab(("a", "b", "c", "d", "z")), (5, 1, 2)),
    ([["ab", "ba"], ["cab"], ["zed", "ax"]], Vocab(tuple("abcdexz")), (5, 2, 3)),
]


@pytest.mark.parametrize(("chunks", "vocab", "sizes"), GROWING_CHUNKS)
@pytest.mark.parametrize("order", ORDERS)
def test_vocabulary_grows_between_chunks(order, chunks, vocab, sizes):
    streamed = NgramCounts.from_word_chunks(chunks, order)
    whole = NgramCounts.from_words([w for chunk in chunks for w in chunk], order)
    assert streamed.vocab == whole.vocab == vocab
    assert torch.equal(streamed.ids, whole.ids)
    assert torch.equal(streamed.counts, whole.counts)
    assert torch.equal(streamed.first_seen, whole.first_seen)
    assert (streamed.words, streamed.min_length, streamed.max_length) == sizes
    if order == 2:
        assert torch.equal(bigram_matrix(streamed), bigram_matrix(whole))


@pytest.mark.parametrize("order", ORDERS)
def test_from_word_chunks_streams_a_generator(order):
    def gen():
        yield ["ab", "b"]
        yield ["ba"]

    counts = NgramCounts.from_word_chunks(gen(), order)
    assert as_dict(counts) == dict(naive_counts(["ab", "b", "ba"], order))


@pytest.mark.parametrize("order", ORDERS)
def test_first_appearance_survives_chunks_and_a_growing_vocabulary(order):
    """A later chunk with new letters re-encodes the ids; positions count from the data's start."""
    words = ["zz", "ab", "cd", "ef"]  # every n-gram (n ≥ 2) once: the list is the data's order
    whole = NgramCounts.from_words(words, order)
    chunked = NgramCounts.from_word_chunks([words[:1], words[1:3], words[3:]], order)
    assert chunked.most_common() == whole.most_common()
    assert torch.equal(chunked.first_seen, whole.first_seen)
    if order >= 2:
        padded = [("." * (order - 1) + word + ".") for word in words]
        in_data_order = [
            tuple(text[i : i + order]) for text in padded for i in range(len(text) - order + 1)
        ]
        assert [ngram for ngram, _ in chunked.most_common()] == in_data_order
    if order == 2:
        dot = most_common_bigrams(chunked, layout="dot")
        assert dot == most_common_bigrams(whole, layout="dot")
        assert [(a, b) for a, b, _ in dot] == in_data_order


@pytest.mark.parametrize("order", [1, 3, 5])
def test_streaming_and_data_order_do_not_change_the_counts(names, ngram_counts_of, order):
    words = list(names)
    random.Random(7).shuffle(words)
    chunks = [words[i : i + 997] for i in range(0, len(words), 997)]
    streamed = NgramCounts.from_word_chunks(chunks, order)
    whole = ngram_counts_of(order)
    assert streamed.vocab == whole.vocab
    assert torch.equal(streamed.ids, whole.ids)
    assert torch.equal(streamed.counts, whole.counts)


def test_first_seen_survives_chunking(names, ngram_counts_of):
    chunks = [names[i : i + 500] for i in range(0, len(names), 500)]
    streamed = NgramCounts.from_word_chunks(chunks, 3)
    assert torch.equal(streamed.first_seen, ngram_counts_of(3).first_seen)


def test_from_path_streams_the_file(names_path, ngram_counts_of):
    streamed = NgramCounts.from_path(names_path, 4, chunk_bytes=10_000)
    assert torch.equal(streamed.ids, ngram_counts_of(4).ids)
    assert torch.equal(streamed.first_seen, ngram_counts_of(4).first_seen)


def test_fixed_vocabulary_rejects_unknown_characters():
    with pytest.raises(NgramError, match="outside the vocabulary"):
        NgramCounts.from_words(["abc"], 2, vocab=Vocab(("a", "b")))


def test_count_split_shares_the_vocabulary(name_split):
    train, dev, test = count_split(name_split, 3)
    assert train.vocab == dev.vocab == test.vocab == name_split.vocab
    assert (train.words, dev.words, test.words) == name_split.sizes


# --- ids, encoding and limits --------------------------------------------------------------


def test_ngram_ids_are_in_data_order():
    vocab = Vocab.from_words(["ab"])
    # '..ab.' at order 3: (..a) (.ab) (ab.) in base 3.
    assert ngram_ids(["ab"], vocab, 3).tolist() == [1, 0 * 9 + 1 * 3 + 2, 1 * 9 + 2 * 3 + 0]


def test_training_examples_are_the_bigrams_in_order():
    words = ["ab", "b"]
    vocab = Vocab.from_words(words)
    xs, ys = training_examples(words, vocab)
    assert xs.tolist() == [0, 1, 2, 0, 2]
    assert ys.tolist() == [1, 2, 0, 2, 0]
    assert (xs * vocab.size + ys).tolist() == ngram_ids(words, vocab, 2).tolist()
    # Each word is padded on its own: '.ab.' '.b.', so one '.' ends a word, the next starts one.
    assert encode_padded(words, vocab, 2).tolist() == [0, 1, 2, 0, 0, 2, 0]


def test_encoding_rejects_characters_outside_the_vocabulary():
    with pytest.raises(KeyError):
        encode_padded(["abz"], Vocab(("a", "b")), 2)
    with pytest.raises(UnknownCharacters) as info:
        ngram_ids(["abz"], Vocab(("a", "b")), 3)
    assert info.value.chars == ["z"]


@pytest.mark.parametrize("order", [0, 7, 2.0, True, "3"])
def test_order_outside_1_to_6_is_refused(order):
    with pytest.raises(ParameterError):
        check_order(order)
    with pytest.raises(ParameterError):
        NgramCounts.from_words(CORPUS, order)  # type: ignore[arg-type]


def test_a_vocabulary_too_large_for_int64_ids_says_how_to_fix_it():
    vocab = Vocab(tuple(chr(0x4E00 + i) for i in range(9999)))
    assert max_order_for(vocab.size) == 4
    with pytest.raises(NgramError, match="lower --order to 4") as info:
        NgramCounts.from_words(["一"], 5, vocab=vocab)
    assert "\n" not in str(info.value)


def test_5gram_of_a_100_character_vocabulary_stays_sparse():
    # 100^4 contexts × 100 would be 10^10 cells; only the n-grams that occur are stored.
    alphabet = [chr(0x100 + i) for i in range(99)]
    rng = random.Random(3)
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(3, 12))) for _ in range(5000)]
    counts = NgramCounts.from_words(words, 5)
    assert counts.vocab.size == 100
    assert counts.entries <= counts.total == sum(len(w) + 1 for w in words)
    assert counts.ids.dtype == torch.int64
    word = words[0]
    assert counts.count((".", ".", ".", ".", word[0])) >= 1
    assert len(counts.context_rows(torch.tensor([0]))) == 1


# --- contexts and slices -------------------------------------------------------------------


def naive_bigram_matrix(words: list[str], vocab: Vocab) -> torch.Tensor:
    matrix = torch.zeros(vocab.size, vocab.size, dtype=torch.long)
    for (first, second), n in naive_counts(words, 2).items():
        matrix[vocab.stoi[first], vocab.stoi[second]] = n
    return matrix


def test_order_2_is_the_bigram_matrix(names, ngram_counts_of, name_counts):
    counts = ngram_counts_of(2)
    table = counts.count_slice()
    assert torch.equal(table.counts, naive_bigram_matrix(names, counts.vocab))
    assert torch.equal(table.counts, bigram_matrix(name_counts))
    assert table.contexts == 27
    assert counts.count("n.") == 6763
    assert counts.count(("a", "n")) == 5438


def test_unigram_has_one_empty_context(ngram_counts_of):
    counts = ngram_counts_of(1)
    assert counts.contexts.tolist() == [0]
    assert counts.count(".") == 32_033
    assert counts.context_total(()) == 228_146
    with pytest.raises(NgramError, match="no context"):
        counts.count_slice()
    with pytest.raises(NgramError, match="order 2, not order 1"):
        bigram_matrix(counts)


def test_slice_of_a_trigram_prefix(names, ngram_counts_of):
    counts = ngram_counts_of(3)
    expected = naive_counts(names, 3)
    table = counts.count_slice(("a",))
    stoi = counts.vocab.stoi
    for (first, middle, nxt), n in expected.items():
        if first == "a":
            assert table.counts[stoi[middle], stoi[nxt]] == n
    assert int(table.counts.sum()) == sum(n for g, n in expected.items() if g[0] == "a")
    assert table.contexts == len({g[:2] for g in expected if g[0] == "a"})
    start = counts.count_slice((".",))
    assert start.counts[0].sum() == 32_033  # '..' is followed by each word's first letter


# --- the lecture's bigram views (core.notebook) -------------------------------------------


def test_dot_layout_is_the_matrix():
    counts = NgramCounts.from_words(["ab", "ba"], 2)
    table = count_table(counts, "dot")
    assert table.labels == (".", "a", "b")
    assert torch.equal(table.counts, bigram_matrix(counts))
    default = count_table(counts)
    assert default.labels == table.labels
    assert torch.equal(default.counts, table.counts)


def test_start_end_layout():
    """<S> and <E> are separate: the <E> row and the <S> column are all zero."""
    counts = NgramCounts.from_words(["ab", "b", ""], 2)
    table = count_table(counts, "start_end")
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
    counts = NgramCounts.from_words(["ab"], 2)
    with pytest.raises(ValueError, match="layout"):
        count_table(counts, "grid")
    with pytest.raises(ValueError):
        most_common_bigrams(counts, layout="grid")


def test_most_common_ties_in_first_appearance_order():
    counts = NgramCounts.from_words(["ab", "ba"], 2)  # .ab. .ba.
    assert most_common_bigrams(counts) == [
        ("<S>", "a", 1),
        ("a", "b", 1),
        ("b", "<E>", 1),
        ("<S>", "b", 1),
        ("b", "a", 1),
        ("a", "<E>", 1),
    ]
    dot = [
        (".", "a", 1),
        ("a", "b", 1),
        ("b", ".", 1),
        (".", "b", 1),
        ("b", "a", 1),
        ("a", ".", 1),
    ]
    assert most_common_bigrams(counts, layout="dot") == dot
    assert counts.most_common() == [((a, b), n) for a, b, n in dot]


def test_most_common_orders_by_count_then_first_appearance():
    counts = NgramCounts.from_words(["aaa", "ba", "ab"], 2)
    # .a 2, aa 2, a. 2, then .b 1 (seen before ba, ab and b.)
    assert most_common_bigrams(counts, 4) == [
        ("<S>", "a", 2),
        ("a", "a", 2),
        ("a", "<E>", 2),
        ("<S>", "b", 1),
    ]
    assert most_common_bigrams(counts, 0) == []
    assert len(most_common_bigrams(counts)) == 7  # zero counts are left out
    assert len(most_common_bigrams(counts, 100)) == 7


def test_hand_made_counts_break_ties_by_their_first_seen():
    """Counts built by hand, not from data: ties follow `first_seen`, here the table's order."""
    # The old BigramCounts took a matrix [[1, 1], [1, 0]] and no first-seen positions; the
    # sparse counts always carry them, so table order is given as positions 0, 1, 2.
    vocab = Vocab(tuple("a"))
    ids = torch.tensor([0, 1, 2])  # '..', '.a', 'a.'
    ones = torch.ones(3, dtype=torch.long)
    counts = NgramCounts(vocab, 2, ids, ones, torch.tensor([0, 1, 2]), 1, 1, 1)
    assert bigram_matrix(counts).tolist() == [[1, 1], [1, 0]]
    assert most_common_bigrams(counts, layout="dot") == [
        (".", ".", 1),
        (".", "a", 1),
        ("a", ".", 1),
    ]
    reversed_counts = NgramCounts(vocab, 2, ids, ones, torch.tensor([2, 1, 0]), 1, 1, 1)
    assert most_common_bigrams(reversed_counts, layout="dot") == [
        ("a", ".", 1),
        (".", "a", 1),
        (".", ".", 1),
    ]


def test_most_common_bigrams_keep_first_appearance_order(names, ngram_counts_of, name_counts):
    top = ngram_counts_of(2).most_common()
    notebook = sorted(naive_counts(names, 2).items(), key=lambda item: item[1], reverse=True)
    assert top == notebook
    assert [((a, b), n) for a, b, n in most_common_bigrams(name_counts, layout="dot")] == top
    table = count_table(name_counts, "dot")
    flat = table.counts.flatten()
    by_row = torch.sort(flat, descending=True, stable=True).indices.tolist()
    size = len(table.labels)
    row_major = [((table.labels[i // size], table.labels[i % size]), int(flat[i])) for i in by_row][
        : len(top)
    ]
    first_difference = next(i for i, (x, y) in enumerate(zip(top, row_major)) if x != y)
    assert first_difference + 1 == 49  # 1-based, as the lecture's list is read
    assert top[first_difference] == (("l", "l"), 1345)
    assert row_major[first_difference] == (("i", "l"), 1345)


# --- properties, at every order ------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=50, deadline=None)
@given(words=WORDS)
def test_counts_equal_naive_count(order, words):
    counts = NgramCounts.from_words(words, order)
    assert as_dict(counts) == dict(naive_counts(words, order))
    assert counts.words == len(words)
    assert counts.min_length == min(map(len, words))
    assert counts.max_length == max(map(len, words))
    if order == 2:
        assert matrix_dict(counts) == dict(naive_counts(words, 2))


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=50, deadline=None)
@given(words=WORDS)
def test_total_is_sum_of_lengths_plus_one(order, words):
    assert NgramCounts.from_words(words, order).total == sum(len(w) + 1 for w in words)


@settings(max_examples=50, deadline=None)
@given(WORDS)
def test_row_sums_equal_column_sums(words):
    """Every character starts as many bigrams as it ends; '.' is both start and end."""
    counts = count_table(NgramCounts.from_words(words, 2), "dot").counts
    assert torch.equal(counts.sum(dim=0), counts.sum(dim=1))
    assert int(counts[0].sum()) == len(words)


@pytest.mark.parametrize("order", ORDERS)
@settings(max_examples=50, deadline=None)
@given(words=WORDS, cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=6))
def test_from_word_chunks_independent_of_chunking(order, words, cuts):
    whole = NgramCounts.from_words(words, order)
    parts = NgramCounts.from_word_chunks(chunked(words, cuts), order)
    assert parts.vocab == whole.vocab
    assert torch.equal(parts.ids, whole.ids)
    assert torch.equal(parts.counts, whole.counts)
    assert torch.equal(parts.first_seen, whole.first_seen)
    assert (parts.words, parts.min_length, parts.max_length) == (
        whole.words,
        whole.min_length,
        whole.max_length,
    )
    if order == 2:
        assert torch.equal(bigram_matrix(parts), bigram_matrix(whole))
