"""The Counts pane at every order: a V×V slice per prefix at n ≥ 3, one row at n = 1."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bigram_tui.core.counts import NgramCounts
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.counts_pane import CountsPane
from bigram_tui.tui.app.footer import KeyFooter
from bigram_tui.tui.app.heatmap import Heatmap

from .helpers import (
    LECTURE_SEED,
    HeldCounting,
    drive_pane,
    run_on_pane,
    session_fixture,
    text_of,
    until,
    wait_until_loaded,
)

session = session_fixture(seed=LECTURE_SEED)


@pytest.fixture(scope="module")
def trigrams(session) -> NgramCounts:
    return NgramCounts.from_path(session.data_path, 3, vocab=session.vocab)


async def at_order(pilot, pane: CountsPane, order: int) -> None:
    pane.use_order(order)
    await until(pilot, lambda: pane._shown_order == order)
    await pilot.pause()


def cursor_to(pane: CountsPane, row: str, col: str) -> None:
    itos = pane.session.vocab.itos
    pane.query_one(Heatmap).move_cursor(itos.index(row), itos.index(col))


def test_trigram_slice_names_its_prefix_and_contexts(session, trigrams):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 3)
        title = text_of(pane, "#counts-title")
        assert "'.' then row → column: 27 contexts" in title
        assert "228,146 trigrams" in title
        info = text_of(pane, "#cell-info")  # the cursor stays on row '.', column 'a'
        assert "trigram ..a" in info and f"count   {trigrams.count('..a'):,}" in info
        await pilot.press("right_square_bracket")
        assert pane.prefix == ("a",)
        expected = trigrams.count_slice(("a",)).contexts
        assert f"'a' then row → column: {expected} contexts" in text_of(pane, "#counts-title")
        cursor_to(pane, "n", "d")
        info = text_of(pane, "#cell-info")
        assert "trigram and" in info and "'d' after 'an'" in info
        assert f"count   {trigrams.count('and'):,}" in info
        assert f"row sum {trigrams.context_total('an'):,}" in info
        await pilot.press("left_square_bracket")
        assert pane.prefix == (".",)

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_every_trigram_count_is_reached_by_the_slice_keys(session, trigrams):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 3)
        seen, total = set(), 0
        while pane.prefix not in seen:
            seen.add(pane.prefix)
            total += sum(pane._row_totals)
            await pilot.press("right_square_bracket")
        assert total == trigrams.total == 228_146
        assert len(seen) == 27  # every first context token starts some trigram

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_top_list_follows_the_order(session):
    async def scenario(pilot, pane):
        await pilot.press("t")
        assert "n.  6,763" in text_of(pane, "#top-bigrams")
        await at_order(pilot, pane, 3)
        await pilot.press("t", "t")  # the same key hides and shows it at n = 3
        top = text_of(pane, "#top-bigrams").splitlines()
        assert top[1].split() == ["..a", "4,410"]
        await at_order(pilot, pane, 5)
        assert text_of(pane, "#top-bigrams").splitlines()[1].split() == ["....a", "4,410"]

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_unigram_is_one_row(session):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 1)
        heatmap = pane.query_one(Heatmap)
        assert heatmap.data is not None and len(heatmap.data.bins) == 1
        assert "one row: no context, 27 tokens" in text_of(pane, "#counts-title")
        await pilot.press("end")
        assert (heatmap.row, heatmap.col) == (0, 26)
        info = text_of(pane, "#cell-info")
        assert "unigram z" in info and "total   228,146" in info
        assert f"count   {session.count_table().counts[:, 26].sum():,}" in info
        # No slices to step through at n = 1: the keys are not offered.
        assert "right_square_bracket" not in pilot.app.screen.active_bindings

    drive_pane(CountsPane(), session, scenario, size=(80, 24))


def test_slice_keys_only_at_order_three_and_up(session):
    async def scenario(pilot, pane):
        assert "left_square_bracket" not in pilot.app.screen.active_bindings
        await at_order(pilot, pane, 4)
        assert "left_square_bracket" in pilot.app.screen.active_bindings
        assert pane.prefix == (".", ".")

    drive_pane(CountsPane(), session, scenario, size=(80, 24))


def test_the_neural_view_stays_at_other_orders_and_the_layout_gives_way(session):
    async def scenario(pilot, pane):
        await pilot.press("v", "v", "v")
        assert pane.view == "neural"
        before = text_of(pane, "#counts-title")
        await at_order(pilot, pane, 3)
        assert pane.view == "neural"  # the order's net is drawn at every order
        assert "neural net exp(W)" in text_of(pane, "#counts-title")
        await pilot.press("s")
        assert pane.layout_name == "dot"
        await at_order(pilot, pane, 2)
        assert text_of(pane, "#counts-title") == before
        assert "count   4,410" in text_of(pane, "#cell-info")  # '.a' again

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_counting_runs_off_the_ui_thread_with_a_note(session, monkeypatch):
    counting = HeldCounting(monkeypatch)

    async def scenario(pilot, pane):
        await counting.switch_order(pilot, pane, 4, "#counts-title")
        await until(pilot, lambda: pane._shown_order == 4)
        assert "4-grams" in text_of(pane, "#counts-title")

    # A fresh session: the shared one may have order 4 cached already.
    from bigram_tui.core.session import Session

    drive_pane(CountsPane(), Session.load(session.data_path), scenario, size=(120, 40))


def test_app_started_at_order_three_shows_the_slice_and_its_keys_at_80x24(names_path):
    async def main():
        app = BigramApp(data=str(names_path), order=3)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until_loaded(pilot)
            pane = app.query_one(CountsPane)
            await until(pilot, lambda: pane._shown_order == 3)
            await pilot.pause()
            assert "228,146 trigrams" in text_of(pane, "#counts-title")
            footer = str(app.query_one(KeyFooter).render())
            # The slice key fits beside help; <S>/<E>, the bigram's layout, is not offered.
            assert "] Slice" in footer and "? Help" in footer and "<S>/<E>" not in footer
            assert "t Top n-grams" in footer

    asyncio.run(main())


# Issue 10 items on the Counts pane ---------------------------------------------------


def test_layout_switch_keeps_the_cursors_bigram(session):
    async def scenario(pilot, pane):
        assert "bigram .a" in text_of(pane, "#cell-info")
        await pilot.press("s")
        assert "bigram <S>a" in text_of(pane, "#cell-info")
        await pilot.press("s")
        assert "bigram .a" in text_of(pane, "#cell-info")
        cursor_to(pane, "n", ".")
        await pilot.press("s")
        info = text_of(pane, "#cell-info")
        assert "bigram n<E>" in info and "count   6,763" in info

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_diverging_legend_is_symmetric_around_zero(session):
    async def scenario(pilot, pane):
        await pilot.press("v", "v", "v", "v")
        assert pane.view == "diff"
        lines = text_of(pane, "#legend").splitlines()[1:11]
        labels = [line.strip() for line in lines]
        assert labels[4:6] == ["< 0", "≥ 0"]
        lower = [label.removeprefix("< -") for label in labels[:4]]
        upper = [label.removeprefix("≥ +") for label in labels[6:]]
        assert lower == upper[::-1]

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def test_exp_w_view_reads_out_the_nets_softmax_p(session):
    import torch

    async def scenario(pilot, pane):
        await pilot.press("v", "v", "v")
        assert pane.view == "neural"
        net = float(torch.softmax(session.run().weights, dim=1)[0, 1])
        info = text_of(pane, "#cell-info")
        assert f"P net   {net:.6f}" in info
        assert "P count 0.137671" in info  # the counts model beside it

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


def in_view(pane: CountsPane, selector: str) -> bool:
    """Whether the widget is shown and ends inside the side panel's visible region."""
    widget, side = pane.query_one(selector), pane.query_one("#counts-side")
    return (
        widget.display and widget.region.bottom <= side.region.bottom and widget.region.height > 0
    )


def test_80x24_legend_whole_and_t_replaces_it(names_path):
    async def scenario(app, pilot, pane):
        assert in_view(pane, "#legend")  # "never seen", its last line, included
        await pilot.press("t")
        await pilot.pause()
        assert in_view(pane, "#top-bigrams") and not pane.query_one("#legend").display
        await pilot.press("g")  # asking for the legend puts it back in place of the list
        await pilot.pause()
        assert in_view(pane, "#legend") and not pane.query_one("#top-bigrams").display

    run_on_pane(names_path, "1", scenario, size=(80, 24))  # the whole app: tabs and footer


def test_no_color_bins_stay_distinct_from_each_other_and_the_background(session, monkeypatch):
    from rich.style import Style
    from textual.filter import monochrome_style

    from bigram_tui.tui.app.colour_scale import palette, xterm

    monkeypatch.setenv("NO_COLOR", "1")

    def grey(index: int) -> int:
        colour = monochrome_style(Style(color=xterm(index))).color
        assert colour is not None
        return colour.get_truecolor().red

    async def scenario(pilot, pane):
        heatmap = pane.query_one(Heatmap)
        assert heatmap.data is not None and heatmap.data.palette == "mono"
        greys = [grey(index) for index in palette("mono")]
        assert all(b - a >= 8 for a, b in itertools.pairwise(greys))  # ten visible steps
        empty = monochrome_style(Style(color=heatmap.rich_style.bgcolor)).color
        assert empty is not None
        # A count of 1 must not look like an empty (never seen) cell.
        assert greys[0] - empty.get_truecolor().red >= 48

    drive_pane(CountsPane(), session, scenario, size=(80, 24))


def test_labelled_grid_keeps_its_labels_when_scrolled(names_path):
    async def scenario(app, pilot, pane):
        heatmap = pane.query_one(Heatmap)
        await pilot.press("z")
        assert not heatmap.compact
        await pilot.press("end")  # the cursor on 'zz': the grid scrolls right and down
        await pilot.pause()
        scroll_x, scroll_y = heatmap.scroll_offset
        assert scroll_x > 0 and scroll_y > 0
        header = heatmap.render_line(0).text
        assert header.split()[-2:] == ["y", "z"]  # column labels, still at the top
        width = heatmap.label_width
        rows = [heatmap.render_line(y).text for y in range(1, heatmap.size.height)]
        shown = [line[:width].strip() for line in rows if line[:width].strip()]
        # Row labels, still at the left: the last rows of the grid, ending with z.
        assert shown[-1] == "z" and shown[-2] == "y"
        # The cursor's cell ("zz" over its value) is on screen, clear of the frozen labels.
        assert any("zz" in line[width:] for line in rows)

    run_on_pane(names_path, "1", scenario, size=(80, 24))


def test_120x40_compact_grid_uses_the_room(names_path):
    async def scenario(app, pilot, pane):
        heatmap = pane.query_one(Heatmap)
        assert heatmap.compact  # the labelled grid does not fit whole at 120×40
        assert heatmap.cell_width >= 3
        grid = heatmap.virtual_size.width
        assert grid <= heatmap.size.width and heatmap.size.width - grid < heatmap._n

    run_on_pane(names_path, "1", scenario, size=(120, 40))


def test_top_list_breaks_ties_in_first_appearance_order(tmp_path):
    """The notebook's In[7] order: equal counts stay in the order the data shows them."""
    from bigram_tui.core.session import Session

    words = tmp_path / "words.txt"
    words.write_text("ab\nba\n", encoding="utf-8")  # .ab.ba.: six bigrams, each once

    async def scenario(pilot, pane):
        await pilot.press("t")
        rows = text_of(pane, "#top-bigrams").splitlines()[1:]
        assert [row.split()[0] for row in rows] == [".a", "ab", "b.", ".b", "ba", "a."]

    drive_pane(CountsPane(), Session.load(words), scenario, size=(120, 40))
