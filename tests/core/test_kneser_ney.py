"""Interpolated Kneser–Ney against a direct implementation of issue 19's formula, and the
issue's numbers on NG's split.

The reference below is written from the definition, with dicts and loops over the
sequences themselves (not over the windows the model is given), so it also checks that
the model reads its lower orders' runs correctly off the windows of length N.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from bigram_tui.core.kneser_ney import DISCOUNTS, KneserNey, best_discount
from bigram_tui.core.split import split_words
from bigram_tui.core.stream import padded_windows, read_stream, stream_windows, vocab_of_texts
from bigram_tui.core.vocab import Vocab

from .ng_files import SPLITS, builtin_names_path, make_ng_files


class NaiveKneserNey:
    """P_n(w|h) = max(c(hw) − D, 0)/c(h) + D·N1+(h•)/c(h)·P_(n−1)(w|h′), term by term."""

    def __init__(self, sequences: Sequence[Sequence[int]], size: int, order: int, d: float):
        self.size, self.order, self.d = size, order, d
        self.c: dict[int, Counter[tuple[int, ...]]] = {}
        top: Counter[tuple[int, ...]] = Counter()
        for seq in sequences:
            for i in range(len(seq) - order + 1):
                top[tuple(seq[i : i + order])] += 1
        self.c[order] = top
        for n in range(1, order):
            # c_n(g): how many distinct x make x·g one of the runs of n+1 tokens.
            runs = {tuple(seq[i : i + n + 1]) for seq in sequences for i in range(len(seq) - n)}
            self.c[n] = Counter(run[1:] for run in runs)
        self.total: dict[int, dict[tuple[int, ...], float]] = {}
        self.distinct: dict[int, dict[tuple[int, ...], int]] = {}
        for n, table in self.c.items():
            total: dict[tuple[int, ...], float] = defaultdict(float)
            distinct: dict[tuple[int, ...], int] = defaultdict(int)
            for gram, count in table.items():
                total[gram[:-1]] += count
                distinct[gram[:-1]] += 1 if count > 0 else 0
            self.total[n], self.distinct[n] = dict(total), dict(distinct)

    def terms(self, h: tuple[int, ...], w: int) -> list[tuple[float, float] | None]:
        """(own, weight) at orders 1..N, None where c(h) = 0 there."""
        found: list[tuple[float, float] | None] = []
        for n in range(1, self.order + 1):
            hn = h[len(h) - (n - 1) :]
            total = self.total[n].get(hn, 0.0)
            if total == 0:
                found.append(None)
                continue
            own = max(self.c[n].get((*hn, w), 0) - self.d, 0) / total
            found.append((own, self.d * self.distinct[n][hn] / total))
        return found

    def prob(self, h: tuple[int, ...], w: int) -> float:
        p = 1 / self.size  # P_0
        for term in self.terms(h, w):
            if term is not None:  # where c(h) = 0, P_n = P_(n−1)
                own, weight = term
                p = own + weight * p
        return p

    def contributions(self, h: tuple[int, ...], w: int) -> list[float]:
        columns = [0.0] * (self.order + 1)
        carried = 1.0
        for n, term in reversed(list(enumerate(self.terms(h, w), start=1))):
            if term is not None:
                columns[n] = carried * term[0]
                carried *= term[1]
        columns[0] = carried / self.size
        return columns


@pytest.fixture(scope="module")
def lecture_split():
    words = builtin_names_path().read_text(encoding="utf-8").split()
    return split_words(words)


def _sequences(words: Sequence[str], vocab: Vocab, order: int, convention: str):
    """The sequences windows are taken inside, by `convention`, and the windows."""
    ids = [[vocab.stoi[ch] for ch in word] for word in words]
    if convention == "padded":
        seqs = [[0] * (order - 1) + word + [0] for word in ids]
        return seqs, padded_windows(words, vocab, order)
    text = "".join(word + "\n" for word in words)
    return [[t for word in ids for t in (*word, 0)]], stream_windows(text, vocab, order)


@pytest.mark.parametrize("convention", ["padded", "stream"])
@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 6])
def test_equals_the_formula_on_the_lecture_split(lecture_split, order, convention):
    vocab, size, d = lecture_split.vocab, lecture_split.vocab.size, 0.75
    # The high orders' reference is slow in Python: a third of train is plenty there.
    train_words = lecture_split.train if order <= 4 else lecture_split.train[:8000]
    seqs, train = _sequences(train_words, vocab, order, convention)
    _, dev = _sequences(lecture_split.dev, vocab, order, convention)
    model = KneserNey.fit(train, size, order, d)
    naive = NaiveKneserNey(seqs, size, order, d)

    got = model.window_probs(dev).tolist()
    want = [naive.prob(tuple(w[:-1]), w[-1]) for w in dev.tolist()]
    assert max(abs(a - b) for a, b in zip(got, want)) < 1e-9
    assert model.log_likelihood(dev) == pytest.approx(sum(map(math.log, want)), rel=1e-12)

    # Full rows and contributions for some dev contexts and a few that never occur.
    contexts = torch.cat([dev[::97, :-1], torch.full((3, order - 1), size - 1)])
    rows = model.probs(contexts)
    for context, row in zip(contexts.tolist(), rows.tolist()):
        want_row = [naive.prob(tuple(context), w) for w in range(size)]
        assert max(abs(a - b) for a, b in zip(row, want_row)) < 1e-9
        assert sum(row) == pytest.approx(1.0, abs=1e-12)
    nexts = dev[::97, -1]
    parts = model.contributions(dev[::97, :-1], nexts)
    for context, nxt, columns in zip(dev[::97, :-1].tolist(), nexts.tolist(), parts.tolist()):
        want_columns = naive.contributions(tuple(context), nxt)
        assert max(abs(a - b) for a, b in zip(columns, want_columns)) < 1e-9
    assert torch.allclose(parts.sum(1), model.window_probs(dev[::97]), rtol=0, atol=1e-15)


VOCAB = Vocab(tuple("abc"))


@pytest.mark.parametrize("d", [0.0, 0.3, 1.0])
def test_every_discount_and_every_context_on_a_small_stream(d):
    text = "abc\nab\nca\nbb\nabba\n"
    seqs, train = _sequences(text.split(), VOCAB, 3, "stream")
    model, naive = KneserNey.fit(train, 4, 3, d), NaiveKneserNey(seqs, 4, 3, d)
    contexts = torch.tensor([[a, b] for a in range(4) for b in range(4)])
    rows = model.probs(contexts)
    for context, row in zip(contexts.tolist(), rows.tolist()):
        assert row == pytest.approx([naive.prob(tuple(context), w) for w in range(4)], abs=1e-12)
        assert sum(row) == pytest.approx(1.0)
    assert model.row((3, 3)).tolist() == rows[15].tolist()


def test_an_unseen_context_backs_off_unchanged():
    model = KneserNey.fit(stream_windows("ab\n", VOCAB, 3), 4, 3, 0.5)
    # "cc" never occurs at order 3 nor "c" at order 2: the order-1 row stands.
    parts = model.contributions(torch.tensor([[3, 3]]), torch.tensor([1]))
    assert parts[0, 2:].tolist() == [0.0, 0.0]
    assert parts.sum().item() == pytest.approx(model.row((3, 3))[1].item())
    # Order 1 below the top counts continuations: "a" → "b" → "\n" gives "b" and "\n"
    # one predecessor each, so P_1 = max(c − ½, 0)/2 + ½·2/2·¼.
    assert model.row((3, 3)).tolist() == [0.375, 0.125, 0.375, 0.125]


def test_with_discount_equals_fitting_with_it(lecture_split):
    vocab = lecture_split.vocab
    train = padded_windows(lecture_split.train[:3000], vocab, 4)
    dev = padded_windows(lecture_split.dev, vocab, 4)
    fitted = KneserNey.fit(train, vocab.size, 4, 0.6)
    assert fitted.with_discount(0.9).mean_nll(dev) == KneserNey.fit(
        train, vocab.size, 4, 0.9
    ).mean_nll(dev)


def test_refuses_bad_input():
    windows = torch.zeros(3, 2, dtype=torch.long)
    with pytest.raises(ValueError, match="windows of 3 tokens"):
        KneserNey.fit(windows, 4, 3, 0.5)
    with pytest.raises(ValueError, match="from 0 to 1"):
        KneserNey.fit(windows, 4, 2, 1.5)
    with pytest.raises(ValueError, match="from 0 to 3"):
        KneserNey.fit(windows + 4, 4, 2, 0.5)
    with pytest.raises(ValueError, match="1 tokens"):
        KneserNey.fit(windows, 4, 2, 0.5).probs(torch.zeros(1, 2, dtype=torch.long))


@pytest.fixture(scope="module")
def ng_split(tmp_path_factory):
    paths = make_ng_files(Path(tmp_path_factory.mktemp("ng")))
    texts = {split: read_stream(paths[split]) for split in SPLITS}
    return texts, vocab_of_texts(texts.values())


# Issue 19: test NLL with one D per order, chosen on val from DISCOUNTS.
@pytest.mark.parametrize(
    ("convention", "order", "test_nll"),
    [("padded", 4, 2.0456), ("padded", 5, 1.9589), ("padded", 6, 1.9503), ("stream", 5, 2.0111)],
)
def test_the_issues_numbers_on_ngs_split(ng_split, convention, order, test_nll):
    texts, vocab = ng_split
    if convention == "padded":  # NG's files, each name padded the lecture's way
        windows = {s: padded_windows(texts[s].splitlines(), vocab, order) for s in SPLITS}
    else:
        windows = {s: stream_windows(texts[s], vocab, order) for s in SPLITS}
    model = KneserNey.fit(windows["train"], vocab.size, order, DISCOUNTS[0])
    d, _ = best_discount(model, windows["val"])
    assert round(model.with_discount(d).mean_nll(windows["test"]), 4) == test_nll


def test_numpy_windows_and_no_windows_at_all():
    windows = stream_windows("abc\nab\nca\n", VOCAB, 3)
    from_numpy = KneserNey.fit(windows.numpy(), 4, 3, 0.5)
    assert torch.equal(
        from_numpy.probs(windows[:, :-1]), KneserNey.fit(windows, 4, 3, 0.5).probs(windows[:, :-1])
    )
    # Nothing counted at any order: every order passes P_0 = 1/V down unchanged.
    empty = KneserNey.fit(torch.zeros(0, 3, dtype=torch.long), 4, 3, 0.5)
    assert empty.row((1, 2)).tolist() == [0.25] * 4
    assert math.isnan(empty.mean_nll(torch.zeros(0, 3, dtype=torch.long)))
