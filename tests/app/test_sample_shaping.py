"""The Sample tab's temperature and top-k: keys, the status line, the names drawn, the bars."""

from __future__ import annotations

import pytest

from bigram_tui.tui.app.prob_bars import ProbBars
from bigram_tui.tui.app.sample_pane import TEMPERATURES

from .helpers import (
    LECTURE_NAMES,
    LECTURE_SEED,
    drive_sample,
    history_names,
    session_fixture,
    text_of,
)

session = session_fixture(seed=LECTURE_SEED)


def bar_columns(bars: ProbBars) -> int:
    """How many characters' columns have any ink above the label row."""
    rows = str(bars.render()).split("\n")[:-1]
    width = bars.size.width
    count = len(bars.shown_indices(width))
    cell = next((c for c in (4, 3, 2) if c * count <= width), 1)
    inked = {i // cell for row in rows for i, ch in enumerate(row) if ch in "▁▂▃▄▅▆▇█"}
    return len(inked)


def test_the_ladder_holds_one():
    assert 1.0 in TEMPERATURES and min(TEMPERATURES) == 0.25 and max(TEMPERATURES) == 4.0
    assert list(TEMPERATURES) == sorted(TEMPERATURES)


def test_keys_change_temperature_and_top_k_and_the_status_line_says_so(session):
    async def scenario(pilot, pane):
        assert "T = 1 · no top-k" in text_of(pane, "#sample-header")
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert pane.temperature == 0.5 and pane.sampler.temperature == 0.5
        await pilot.press("k", "k", "k")
        assert pane.top_k == 3 and pane.sampler.top_k == 3
        assert "T = 0.5 · top-k 3" in text_of(pane, "#sample-header")
        await pilot.press("K")
        assert pane.top_k == 2
        for _ in range(len(TEMPERATURES) + 2):  # past the top end: it stays there
            await pilot.press("right_square_bracket")
        assert pane.temperature == max(TEMPERATURES)
        for _ in range(len(TEMPERATURES) + 2):
            await pilot.press("left_square_bracket")
        assert pane.temperature == min(TEMPERATURES)
        await pilot.press("k", "k", "k", "k", "k")  # 2 → 3 → 5 → 10 → off → 1
        assert pane.top_k == 1

    drive_sample(session, scenario)


def test_shaped_names_are_the_cores(session):
    """The pane draws what the core draws at the same T, top-k and seed."""
    expected = session.sample(8, seed=LECTURE_SEED, temperature=0.5, top_k=3)

    async def scenario(pilot, pane):
        await pilot.press("left_square_bracket", "left_square_bracket", "k", "k", "k", "r")
        for _ in range(8):
            await pilot.press("f")
        assert history_names(pane) == [name.text for name in expected]
        assert history_names(pane) != LECTURE_NAMES[:8]
        # Back to T = 1 and no top-k: the lecture's names again.
        await pilot.press("right_square_bracket", "right_square_bracket", "k", "k", "k", "r")
        for _ in range(5):
            await pilot.press("f")
        assert history_names(pane) == LECTURE_NAMES

    drive_sample(session, scenario)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_bars_show_the_row_as_drawn_with_the_models_beside(session, size):
    async def scenario(pilot, pane):
        await pilot.press("k", "k", "k", "space")  # top-k 3 from '.'
        draw = pane.last_draw
        assert int((draw.probs > 0).sum()) == 3
        assert int((draw.original > 0).sum()) == 26  # every letter starts a name; '.' not
        bars = pane.query_one(ProbBars)
        assert bars.shows_original
        assert bar_columns(bars) == 26  # the faint original reaches every letter
        title = text_of(pane, "#sample-row-title")
        assert "at T = 1 · top-k 3" in title and "(faint)" in title
        if size[0] >= 120:  # room for the percentages row: it is the drawn row's
            percent_row = str(bars.render()).split("\n")[0]
            assert percent_row.split().count("0") == 24
        # Without the original, only the 3 kept characters have a bar.
        bars.show(pane.sampler.model.vocab.itos, draw.probs.tolist(), draw.chosen)
        assert not bars.shows_original and bar_columns(bars) == 3
        # v: the bars show the model's own distribution, and say so.
        await pilot.press("v")
        assert pane.show_original and not bars.shows_original
        assert bar_columns(bars) == 26
        assert "the model's own, not as drawn" in text_of(pane, "#sample-row-title")
        await pilot.press("v")
        assert bars.shows_original

    drive_sample(session, scenario, size)


def test_unshaped_rows_draw_no_second_distribution(session):
    async def scenario(pilot, pane):
        await pilot.press("space")
        bars = pane.query_one(ProbBars)
        assert not bars.shows_original
        assert "at T" not in text_of(pane, "#sample-row-title")
        assert "P(next | '.')  tallest bar p = " in text_of(pane, "#sample-row-title")

    drive_sample(session, scenario)
