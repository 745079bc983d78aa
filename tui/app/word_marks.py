"""Which cells of the counts grid hold a word's n-grams, for the grid beside the Word pane.

The Word pane scores a word n-gram by n-gram; in the wide layout the grid beside it marks
the same n-grams, so the row each probability comes from is in view.
"""

from __future__ import annotations

from collections.abc import Sequence

from bigram_tui.core.session import BOUNDARY, END_TOKEN, START_TOKEN


def word_ngrams(word: str, order: int) -> list[tuple[str, ...]]:
    """The n-grams the models score for `word`: n − 1 '.' before it and one after."""
    tokens = [BOUNDARY] * (order - 1) + list(word) + [BOUNDARY]
    return [tuple(tokens[i : i + order]) for i in range(len(tokens) - order + 1)]


def marked_cells(
    word: str,
    order: int,
    prefix: Sequence[str],
    rows: Sequence[str],
    columns: Sequence[str],
) -> frozenset[tuple[int, int]]:
    """(row, column) of each of the word's n-grams in the grid that shows `prefix`'s slice.

    At order 1 the grid is one row; at order 2 it is the bigram table (with <S> and <E> when
    its labels have them); above, a slice holds the n-grams that begin with `prefix`.
    Characters the data never shows have no row or column and are left out.
    """
    split_ends = START_TOKEN in rows
    cells = set()
    for ngram in word_ngrams(word, order):
        if order == 1:
            context, last = "", ngram[0]
        else:
            if tuple(ngram[:-2]) != tuple(prefix):
                continue
            context, last = ngram[-2], ngram[-1]
            if split_ends:
                context = START_TOKEN if context == BOUNDARY else context
                last = END_TOKEN if last == BOUNDARY else last
        if context in rows and last in columns:
            cells.add((rows.index(context), columns.index(last)))
    return frozenset(cells)
