"""Issue 18, items 12 and 18: the Sample pane redraws the step at once when T, top-k or the
sampler change, and lists each sampled name's NLL with the mean of the names so far."""

from __future__ import annotations

import math

import pytest

from bigram_tui.tui.app.prob_bars import CumulativeBar, ProbBars
from bigram_tui.tui.app.sample_view import CLASSIC_PROMPT, RACE_PROMPT

from .helpers import (
    LECTURE_NAMES,
    LECTURE_SEED,
    drive_sample,
    history_lines,
    session_fixture,
    text_of,
)

session = session_fixture(seed=LECTURE_SEED)


@pytest.mark.parametrize(
    "key", ["left_square_bracket", "right_square_bracket", "k", "K"], ids=["[", "]", "k", "K"]
)
def test_shaping_keys_redraw_the_bars_and_the_cumulative_bar_at_once(session, key):
    async def scenario(pilot, pane):
        await pilot.press("space", "space")  # two characters of the first name
        bars, cumulative = pane.query_one(ProbBars), pane.query_one(CumulativeBar)
        before = list(bars._probs)
        await pilot.press(key)
        _, shaped = pane.sampler.row(pane.sampler.context)
        assert list(bars._probs) == pytest.approx(shaped.tolist())
        assert list(bars._probs) != pytest.approx(before)
        assert cumulative._cumulative == pytest.approx(list(_running_sum(shaped.tolist())))
        assert text_of(pane, "#sample-u-line") == CLASSIC_PROMPT
        assert f"at T = {pane.temperature:g}" in text_of(pane, "#sample-row-title")
        # The name in progress carries on, and says what the next key does.
        assert "".join(pane.sampler.current) in text_of(pane, "#sample-name")

    drive_sample(session, scenario)


def _running_sum(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def test_t_shows_the_race_at_once(session):
    async def scenario(pilot, pane):
        await pilot.press("space")
        assert pane.has_class("-classic")
        await pilot.press("t")
        assert pane.has_class("-torch") and not pane.has_class("-classic")
        assert text_of(pane, "#sample-race").startswith(RACE_PROMPT.strip())

    drive_sample(session, scenario)


def test_each_name_has_its_nll_and_the_title_the_mean_so_far(session):
    model = session.model("counts", 0.0, 2)
    scores = session.score_words(LECTURE_NAMES, model)

    def nll(score) -> float:
        return -sum(step.log_prob for step in score.steps) / len(score.steps)

    async def scenario(pilot, pane):
        for _ in LECTURE_NAMES:
            await pilot.press("f")
        lines = history_lines(pane)
        for line, score in zip(lines, scores):
            assert f"{nll(score):5.2f}" in line
        total = sum(step.log_prob for score in scores for step in score.steps)
        characters = sum(len(score.steps) for score in scores)
        mean = -total / characters
        assert text_of(pane, "#sample-history-title") == f"names · mean nll {mean:.2f}"
        assert math.isclose(pane.query_one("#sample-history").mean_nll, mean, rel_tol=1e-6)
        await pilot.press("r")  # the seed again: a new list, a new mean
        assert text_of(pane, "#sample-history-title") == "names"

    drive_sample(session, scenario)


def test_a_percentage_label_is_whole_or_not_shown():
    from textual.app import App

    from bigram_tui.tui.app.prob_bars import percent_label

    class BarsApp(App):
        def compose(self):
            yield ProbBars(id="bars")

    async def main() -> None:
        # 27 columns of 3 cells: bars 2 wide, too narrow for "100".
        app = BarsApp()
        async with app.run_test(size=(27 * 3, 12)) as pilot:
            bars = app.query_one(ProbBars)
            labels = [chr(ord("a") + i) for i in range(27)]
            bars.show(labels, [1.0] + [0.0] * 26, 0)
            await pilot.pause()
            first_row = str(bars.render()).split("\n")[0]
            assert "10" not in first_row.split()  # never 100 cut to "10"
            bars.show(labels, [0.5, 0.25, 0.25] + [0.0] * 24, 0)
            await pilot.pause()
            first_row = str(bars.render()).split("\n")[0]
            assert first_row.split()[:3] == ["50", "25", "25"]
            assert percent_label(1.0) == "100"

    import asyncio

    asyncio.run(main())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_header_stays_one_line_with_t_top_k_and_auto(session, size):
    async def scenario(pilot, pane):
        header = pane.query_one("#sample-header")
        top = pane.query_one("#sample-name").region.y
        await pilot.press("left_square_bracket", "k", "k", "k", "a")
        await pilot.pause()
        pane.auto_running = False
        await pilot.pause()
        pane.auto_running = True  # the longest header: auto's rate too
        await pilot.pause()
        text = text_of(pane, "#sample-header")
        assert "\n" not in text and len(text) <= header.content_size.width, text
        assert "T = 0.75 · top-k 3" in text and "auto" in text
        assert pane.query_one("#sample-name").region.y == top  # nothing pushed down
        pane.auto_running = False

    drive_sample(session, scenario, size)
