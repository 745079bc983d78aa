"""Sparse n-gram counts: padding, the bigram matrix, streaming, vocab growth, limits."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from bigram_tui.core.ngram_counts import NgramCounts, NgramError, max_order_for, ngram_ids
from bigram_tui.core.params import MAX_ORDER, ParameterError, check_order
from bigram_tui.core.vocab import Vocab

CORPUS = ["emma", "olivia", "ava", "isabella", "sophia", "charlotte", "mia", "amelia"]


def python_ngrams(words, order):
    """makemore's padding written as a Python loop: the reference the vectorised count meets."""
    counter: Counter[tuple[str, ...]] = Counter()
    for word in words:
        tokens = ["."] * (order - 1) + list(word) + ["."]
        for i in range(len(word) + 1):
            counter[tuple(tokens[i : i + order])] += 1
    return counter


@pytest.mark.parametrize("order", range(1, MAX_ORDER + 1))
def test_counts_match_a_python_loop(order):
    counts = NgramCounts.from_words(CORPUS, order)
    expected = python_ngrams(CORPUS, order)
    assert counts.total == sum(len(w) + 1 for w in CORPUS)
    assert counts.entries == len(expected)
    for ngram, n in expected.items():
        assert counts.count(ngram) == n
    # Ties in first-appearance order, as a dict sorted by count keeps them.
    by_count = sorted(expected.items(), key=lambda item: item[1], reverse=True)
    assert counts.most_common() == by_count


@pytest.mark.parametrize("order", range(1, MAX_ORDER + 1))
def test_every_order_gives_228146_examples(ngram_counts_of, order):
    assert ngram_counts_of(order).total == 228_146


def test_order_2_is_the_bigram_matrix(names, ngram_counts_of, name_counts):
    counts = ngram_counts_of(2)
    table = counts.count_slice()
    assert torch.equal(table.counts, name_counts.counts)
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


def test_slice_of_a_trigram_prefix(names, ngram_counts_of):
    counts = ngram_counts_of(3)
    expected = python_ngrams(names, 3)
    table = counts.count_slice(("a",))
    stoi = counts.vocab.stoi
    for (first, middle, nxt), n in expected.items():
        if first == "a":
            assert table.counts[stoi[middle], stoi[nxt]] == n
    assert int(table.counts.sum()) == sum(n for g, n in expected.items() if g[0] == "a")
    assert table.contexts == len({g[:2] for g in expected if g[0] == "a"})
    start = counts.count_slice((".",))
    assert start.counts[0].sum() == 32_033  # '..' is followed by each word's first letter


def test_most_common_bigrams_keep_first_appearance_order(names, ngram_counts_of, name_counts):
    top = ngram_counts_of(2).most_common()
    notebook = sorted(python_ngrams(names, 2).items(), key=lambda item: item[1], reverse=True)
    assert top == notebook
    assert [((a, b), n) for a, b, n in name_counts.most_common(layout="dot")] == top
    table = name_counts.table("dot")
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


def test_vocabulary_grows_between_chunks():
    chunks = [["ab", "ba"], ["cab"], ["zed", "ax"]]
    streamed = NgramCounts.from_word_chunks(chunks, 3)
    whole = NgramCounts.from_words([w for chunk in chunks for w in chunk], 3)
    assert streamed.vocab == whole.vocab == Vocab(tuple("abcdexz"))
    assert torch.equal(streamed.ids, whole.ids)
    assert torch.equal(streamed.first_seen, whole.first_seen)
    assert streamed.words == 5


def test_fixed_vocabulary_rejects_unknown_characters():
    with pytest.raises(NgramError, match="outside the vocabulary"):
        NgramCounts.from_words(["abc"], 2, vocab=Vocab(("a", "b")))


def test_ngram_ids_are_in_data_order():
    vocab = Vocab.from_words(["ab"])
    # '..ab.' at order 3: (..a) (.ab) (ab.) in base 3.
    assert ngram_ids(["ab"], vocab, 3).tolist() == [1, 0 * 9 + 1 * 3 + 2, 1 * 9 + 2 * 3 + 0]


@pytest.mark.parametrize("order", [0, 6, 2.0, True, "3"])
def test_order_outside_1_to_5_is_refused(order):
    with pytest.raises(ParameterError):
        check_order(order)
    with pytest.raises(ParameterError):
        NgramCounts.from_words(CORPUS, order)  # type: ignore[arg-type]


def test_empty_data_is_refused_in_one_line():
    with pytest.raises(NgramError, match="no words") as info:
        NgramCounts.from_word_chunks([[], []], 2)
    assert "\n" not in str(info.value)


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


def test_from_path_streams_the_file(names_path, ngram_counts_of):
    streamed = NgramCounts.from_path(names_path, 4, chunk_bytes=10_000)
    assert torch.equal(streamed.ids, ngram_counts_of(4).ids)
    assert torch.equal(streamed.first_seen, ngram_counts_of(4).first_seen)


def test_count_split_shares_the_vocabulary(name_split):
    from bigram_tui.core.ngram_counts import count_split

    train, dev, test = count_split(name_split, 3)
    assert train.vocab == dev.vocab == test.vocab == name_split.vocab
    assert (train.words, dev.words, test.words) == name_split.sizes
