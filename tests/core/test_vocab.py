"""The vocabulary: '.' at index 0, the data's characters after it in sorted order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bigram_tui.core.vocab import BOUNDARY, END_TOKEN, START_TOKEN, Vocab

# Letters, digits, accents, CJK, emoji and a combining mark; no '.', no control characters.
ALPHABET = "abcxyzABZ019 -'éüßñ漢字😀👍🏽\u0301"
WORDS = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=30)


def test_tokens():
    assert BOUNDARY == "."
    assert (START_TOKEN, END_TOKEN) == ("<S>", "<E>")


def test_from_words_sorts_and_puts_boundary_first():
    vocab = Vocab.from_words(["emma", "ava"])
    assert vocab.chars == ("a", "e", "m", "v")
    assert vocab.itos == (".", "a", "e", "m", "v")
    assert vocab.stoi == {".": 0, "a": 1, "e": 2, "m": 3, "v": 4}
    assert vocab.size == len(vocab) == 5


def test_from_no_words_is_only_the_boundary():
    vocab = Vocab.from_words([])
    assert vocab.itos == (".",)
    assert vocab.size == 1


def test_full_alphabet_has_27_tokens():
    vocab = Vocab.from_words(["abcdefghijklm", "nopqrstuvwxyz"])
    assert vocab.size == 27
    assert vocab.stoi["a"] == 1
    assert vocab.stoi["z"] == 26


def test_missing_letters_are_not_in_the_vocabulary():
    """A small dataset need not contain every letter; only the seen ones get an index."""
    vocab = Vocab.from_words(["bob", "dd"])
    assert vocab.itos == (".", "b", "d", "o")
    assert "a" not in vocab
    assert "z" not in vocab
    assert "." in vocab


@pytest.mark.parametrize(
    "chars",
    [("a", "."), ("b", "a"), ("a", "a")],
    ids=["boundary", "unsorted", "duplicate"],
)
def test_invalid_chars_raise(chars):
    with pytest.raises(ValueError):
        Vocab(chars)


def test_words_with_the_boundary_are_rejected():
    with pytest.raises(ValueError):
        Vocab.from_words(["a.b"])


def test_encode_wraps_in_boundaries():
    vocab = Vocab.from_words(["emma"])
    assert vocab.encode("emma") == [0, 2, 3, 3, 1, 0]  # a=1, e=2, m=3
    assert vocab.encode("") == [0, 0]


def test_encode_unknown_character_raises_key_error_naming_it():
    vocab = Vocab.from_words(["emma"])
    with pytest.raises(KeyError) as info:
        vocab.encode("emxa")
    assert info.value.args == ("x",)


def test_encode_rejects_the_boundary_inside_a_word():
    vocab = Vocab.from_words(["emma"])
    with pytest.raises(KeyError):
        vocab.encode("em.a")


def test_unknown_chars_positions():
    vocab = Vocab.from_words(["abc"])
    assert vocab.unknown_chars("abc") == []
    assert vocab.unknown_chars("axb.zc") == [1, 3, 4]
    assert vocab.unknown_chars("") == []


def test_decode_drops_boundaries():
    vocab = Vocab.from_words(["abc"])
    assert vocab.decode([0, 1, 2, 3, 0]) == "abc"
    assert vocab.decode([3, 0, 1]) == "ca"
    assert vocab.decode([]) == ""


def test_code_points_not_graphemes():
    """An accent written as a combining mark is its own character; é precomposed is one."""
    vocab = Vocab.from_words(["e\u0301", "é", "👍🏽"])
    assert vocab.chars == tuple(sorted({"e", "\u0301", "é", "👍", "🏽"}))
    assert vocab.encode("👍🏽")[1:-1] == [vocab.stoi["👍"], vocab.stoi["🏽"]]


def test_equality_and_immutability():
    a = Vocab.from_words(["ab"])
    assert a == Vocab(("a", "b"))
    assert a != Vocab(("a", "c"))
    with pytest.raises(AttributeError):
        a.chars = ("z",)  # type: ignore[misc]


@settings(max_examples=100, deadline=None)
@given(WORDS)
def test_encode_decode_round_trip(words):
    vocab = Vocab.from_words(words)
    assert list(vocab.chars) == sorted(set("".join(words)))
    for word in words:
        encoded = vocab.encode(word)
        assert len(encoded) == len(word) + 2
        assert encoded[0] == encoded[-1] == 0
        assert 0 not in encoded[1:-1]
        assert vocab.decode(encoded) == word
        assert vocab.unknown_chars(word) == []
