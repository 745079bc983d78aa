"""NG's stream convention and add-k on it: the windows, the 1/V rule, and NG's README table."""

from __future__ import annotations

import math

import pytest
import torch

from bigram_tui.core.stream import (
    padded_windows,
    read_stream,
    stream_ids,
    stream_windows,
    vocab_of_texts,
)
from bigram_tui.core.vocab import Vocab

from .ng_add_k import StreamAddK
from .ng_files import NG_SHA256, SPLITS, make_ng_files, sha256_of

# NG's README: `python ngram.py` on its files, the grid over seq_len × smoothing.
NG_TABLE = {
    (3, 0.03): ("2.1843", "2.2443"),
    (3, 0.10): ("2.1870", "2.2401"),
    (3, 0.30): ("2.1935", "2.2404"),
    (3, 1.00): ("2.2117", "2.2521"),
    (4, 0.03): ("1.8703", "2.1376"),
    (4, 0.10): ("1.9028", "2.1118"),
    (4, 0.30): ("1.9677", "2.1269"),
    (4, 1.00): ("2.1006", "2.2114"),
    (5, 0.03): ("1.4955", "2.3540"),
    (5, 0.10): ("1.6335", "2.2814"),
    (5, 0.30): ("1.8610", "2.3210"),
    (5, 1.00): ("2.2132", "2.4903"),
}


@pytest.fixture(scope="module")
def ng_texts(tmp_path_factory):
    paths = make_ng_files(tmp_path_factory.mktemp("ng"))
    return {split: read_stream(paths[split]) for split in SPLITS}, paths


def test_the_files_are_ngs_byte_for_byte(ng_texts):
    texts, paths = ng_texts
    for split in SPLITS:
        assert sha256_of(paths[split]) == NG_SHA256[split]
    assert [t.count("\n") for t in (texts["train"], texts["val"], texts["test"])] == [
        30032,
        1000,
        1000,
    ]


def test_ngs_grid_table_best_cell_and_test_loss(ng_texts):
    texts, _ = ng_texts
    vocab = vocab_of_texts(texts.values())
    assert vocab.size == 27
    best, best_loss = None, math.inf
    for order in (3, 4, 5):
        train = stream_windows(texts["train"], vocab, order)
        val = stream_windows(texts["val"], vocab, order)
        counted = StreamAddK.fit(train, vocab.size, order, 0.0)
        for k in (0.03, 0.1, 0.3, 1.0):
            model = counted.with_k(k)
            train_loss, val_loss = model.mean_nll(train), model.mean_nll(val)
            # Rounded as NG prints them: "%.4f".
            assert (f"{train_loss:.4f}", f"{val_loss:.4f}") == NG_TABLE[order, k]
            if val_loss < best_loss:
                best, best_loss = (order, k), val_loss
    assert best == (4, 0.1)
    model = StreamAddK.fit(stream_windows(texts["train"], vocab, 4), vocab.size, 4, 0.1)
    test_loss = model.mean_nll(stream_windows(texts["test"], vocab, 4))
    assert f"test_loss {test_loss:f}, test_perplexity {math.exp(test_loss):f}" == (
        "test_loss 2.106370, test_perplexity 8.218358"
    )


@pytest.mark.parametrize("order", [1, 3, 4, 5])
def test_the_products_counts_model_on_the_stream_is_ngs_add_k(ng_texts, order):
    """NgramModel on NgramCounts.from_stream equals NG's formula written directly."""
    from bigram_tui.core.counts import NgramCounts
    from bigram_tui.core.model import NgramModel
    from bigram_tui.core.scoring import score_counts

    texts, _ = ng_texts
    vocab = vocab_of_texts(texts.values())
    train = NgramCounts.from_stream(texts["train"], vocab, order)
    val = NgramCounts.from_stream(texts["val"], vocab, order)
    reference = StreamAddK.fit(stream_windows(texts["train"], vocab, order), vocab.size, order, 0)
    val_windows = stream_windows(texts["val"], vocab, order)
    for k in (0.03, 0.1, 1.0):
        ours = score_counts(NgramModel(train, k), val).mean_nll
        assert ours == pytest.approx(reference.with_k(k).mean_nll(val_windows), abs=1e-12)


def test_add_k_with_the_lectures_padding_on_ngs_split(ng_texts):
    # Issue 19: the same split and k, counted the lecture's way, gives another number.
    texts, _ = ng_texts
    vocab = vocab_of_texts(texts.values())
    words = {s: texts[s].splitlines() for s in SPLITS}
    train = padded_windows(words["train"], vocab, 4)
    model = StreamAddK.fit(train, vocab.size, 4, 0.1)
    assert round(model.mean_nll(padded_windows(words["test"], vocab, 4)), 4) == 2.0794


VOCAB = Vocab(tuple("abc"))


def test_stream_ids_and_windows_cross_names():
    assert stream_ids("ab\nc\n", VOCAB).tolist() == [1, 2, 0, 3, 0]
    windows = stream_windows("ab\nc\n", VOCAB, 3)
    # Nothing is padded: the first n−1 tokens are only context, windows run across names.
    assert windows.tolist() == [[1, 2, 0], [2, 0, 3], [0, 3, 0]]
    assert stream_windows("ab", VOCAB, 3).shape == (0, 3)
    assert stream_windows("ab\n", VOCAB, 1).tolist() == [[1], [2], [0]]


def test_stream_ids_refuse_characters_outside_the_vocabulary():
    with pytest.raises(KeyError, match="'d'"):
        stream_ids("abd", VOCAB)
    with pytest.raises(KeyError):
        stream_ids("a.b", VOCAB)  # '.' is not a character of a stream: the newline is


def test_padded_windows_are_each_words_own():
    windows = padded_windows(["ab", "c"], VOCAB, 3)
    assert windows.tolist() == [
        [0, 0, 1],
        [0, 1, 2],
        [1, 2, 0],
        [0, 0, 3],
        [0, 3, 0],
    ]
    assert padded_windows(["ab"], VOCAB, 1).tolist() == [[1], [2], [0]]
    assert padded_windows([], VOCAB, 2).shape == (0, 2)


def test_vocab_of_texts_puts_the_newline_at_zero():
    vocab = vocab_of_texts(["ba\n", "c\na"])
    assert vocab.itos == (".", "a", "b", "c")


def _naive_add_k(train: list[list[int]], size: int, k: float, context, nxt) -> float:
    pair = sum(1 for w in train if tuple(w[:-1]) == context and w[-1] == nxt)
    total = sum(1 for w in train if tuple(w[:-1]) == context)
    if total + k * size == 0:
        return 1 / size
    return (pair + k) / (total + k * size)


@pytest.mark.parametrize("k", [0.0, 0.1, 1.0])
def test_add_k_equals_the_formula_and_unseen_contexts_get_one_over_v(k):
    text = "abc\nab\nca\nbb\n"
    train = stream_windows(text, VOCAB, 3)
    model = StreamAddK.fit(train, VOCAB.size, 3, k)
    contexts = torch.tensor([[a, b] for a in range(4) for b in range(4)])
    rows = model.probs(contexts)
    windows = train.tolist()
    for context, row in zip(contexts.tolist(), rows.tolist()):
        for nxt in range(4):
            expected = _naive_add_k(windows, 4, k, tuple(context), nxt)
            assert row[nxt] == pytest.approx(expected, abs=1e-12)
        assert sum(row) == pytest.approx(1.0)
    # "cc" never occurs in training: the uniform 1/V whatever k is.
    assert model.row((3, 3)).tolist() == [0.25] * 4
    every = torch.tensor([[a, b, c] for a in range(4) for b in range(4) for c in range(4)])
    assert torch.allclose(model.window_probs(every), rows.reshape(-1), atol=1e-15)


def test_add_k_log_likelihood_is_minus_inf_at_k_zero_for_a_next_never_seen():
    model = StreamAddK.fit(stream_windows("ab\n", VOCAB, 2), VOCAB.size, 2, 0.0)
    assert model.log_likelihood(torch.tensor([[1, 3]])) == -math.inf
    assert math.isnan(model.mean_nll(torch.zeros(0, 2, dtype=torch.long)))


def test_add_k_refuses_bad_windows_and_k():
    with pytest.raises(ValueError, match="windows of 3 tokens"):
        StreamAddK.fit(torch.zeros(2, 2, dtype=torch.long), 4, 3, 0.1)
    with pytest.raises(ValueError, match="from 0 to 3"):
        StreamAddK.fit(torch.full((2, 2), 4), 4, 2, 0.1)
    with pytest.raises(ValueError, match="0 or more"):
        StreamAddK.fit(torch.zeros(2, 2, dtype=torch.long), 4, 2, -1)
