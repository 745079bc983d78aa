"""The wide layout (≥ 160×45): the grid beside another pane fits its new width at once, and
beside the Word pane it marks the typed word's n-grams (issue 10, item 24)."""

from __future__ import annotations

from bigram_tui.tui.app.counts_pane import CountsPane
from bigram_tui.tui.app.heatmap import MARK_SEEN, MARK_UNSEEN, Heatmap
from bigram_tui.tui.app.word_marks import marked_cells, word_ngrams

from .helpers import run_on_pane, text_of, until

WIDE = (200, 60)


def cell(heatmap: Heatmap, row: str, col: str) -> tuple[int, int]:
    assert heatmap.data is not None
    return heatmap.data.rows.index(row), heatmap.data.labels.index(col)


def test_word_ngrams_pad_with_one_dot_fewer_than_the_order():
    assert word_ngrams("ab", 1) == [("a",), ("b",), (".",)]
    assert word_ngrams("ab", 2) == [(".", "a"), ("a", "b"), ("b", ".")]
    assert word_ngrams("ab", 3) == [(".", ".", "a"), (".", "a", "b"), ("a", "b", ".")]


def test_marked_cells_follow_the_layout_and_the_slice():
    dot = (".", "a", "b")
    assert marked_cells("ab", 2, (), dot, dot) == {(0, 1), (1, 2), (2, 0)}
    split = ("a", "b", "<S>", "<E>")  # .a is <S>a and b. is b<E>
    assert marked_cells("ab", 2, (), split, split) == {(2, 0), (0, 1), (1, 3)}
    # At order 3 the slice of prefix 'a' holds 'ab.' only: row b, column '.'.
    assert marked_cells("ab", 3, ("a",), dot, dot) == {(2, 0)}
    assert marked_cells("ab", 1, (), ("",), dot) == {(0, 1), (0, 2), (0, 0)}
    assert marked_cells("aé", 2, (), dot, dot) == {(0, 1)}  # é has no row or column


def test_the_grid_beside_word_marks_its_bigrams_and_only_while_beside(names_path):
    async def scenario(app, pilot, pane):
        grid = app.query_one(CountsPane)
        heatmap = grid.query_one(Heatmap)
        await until(pilot, lambda: len(heatmap.marks) == 8)
        expected = {cell(heatmap, a, b) for a, b in word_ngrams("andrejq", 2)}
        assert heatmap.marks == expected
        assert f"{MARK_SEEN} andrejq" in text_of(grid, "#counts-title")
        row, col = cell(heatmap, "j", "q")  # never seen: the hollow mark
        heatmap.move_cursor(0, 0)
        await pilot.pause()
        line = heatmap.render_line(1 + row).text
        x = heatmap.label_width + col * heatmap.cell_width
        assert line[x : x + heatmap.cell_width].strip() == MARK_UNSEEN
        await pilot.press("e", "ctrl+u", *"ann")  # a new word: new marks
        await until(pilot, lambda: len(heatmap.marks) == 4)
        assert cell(heatmap, "n", "n") in heatmap.marks
        await pilot.press("escape", "3")  # Train beside the grid: nothing marked
        await until(pilot, lambda: not heatmap.marks)
        assert MARK_SEEN not in text_of(grid, "#counts-title")

    run_on_pane(names_path, "2", scenario, size=WIDE)


def test_no_marks_when_word_is_shown_alone(names_path):
    async def scenario(app, pilot, pane):
        await pilot.pause()
        assert not app.query_one(Heatmap).marks

    run_on_pane(names_path, "2", scenario, size=(120, 40))


def test_the_grid_fits_its_new_width_even_without_a_resize_event(names_path, monkeypatch):
    """Textual sent no Resize on the first switch to Word beside the grid; the grid kept its
    labelled cells, cut off. The app now fits the shown panes after every switch."""
    monkeypatch.setattr(CountsPane, "on_resize", lambda self: None)
    monkeypatch.setattr(CountsPane, "_auto_zoom_after_layout", lambda self: None)

    async def scenario(app, pilot, pane):
        grid = app.query_one(CountsPane)
        await pilot.press("1")
        await until(pilot, lambda: grid.labelled)  # the whole width: labelled cells fit
        await pilot.press("2")
        await until(pilot, lambda: not grid.labelled)  # half the width: colour only

    run_on_pane(names_path, "1", scenario, size=WIDE)
