"""The Sample tab, driven by key presses in a tiny host app around just the pane."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from bigram_tui.tui.app.prob_bars import CumulativeBar, ProbBars, column_bar, percent_label
from bigram_tui.tui.app.sample_history import HISTORY_LIMIT
from bigram_tui.tui.app.sample_pane import SamplePane
from bigram_tui.tui.app.sample_view import ordinal

from .helpers import (
    LECTURE_NAMES,
    LECTURE_SEED,
    drive_sample,
    history_lines,
    history_names,
    session_fixture,
    text_of,
)

session = session_fixture(seed=LECTURE_SEED)


def drawn_char(pane: SamplePane) -> str:
    assert pane.sampler is not None and pane.last_draw is not None
    return pane.sampler.model.vocab.itos[pane.last_draw.chosen]


def test_helpers():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 21, 22, 27)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "21st", "22nd", "27th"
    ]  # fmt: skip
    assert column_bar(1.0, 2) == ["█", "█"]
    assert column_bar(0.0, 2) == [" ", " "]
    assert column_bar(0.001, 2) == [" ", "▁"]  # possible never looks impossible
    assert percent_label(0.0) == "0" and percent_label(0.004) == "<1"
    assert percent_label(0.1377) == "14"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_stepping_spells_the_lecture_names(session, size):
    async def scenario(pilot, pane):
        await pilot.press("r")
        chars = []
        for _ in range(4):
            await pilot.press("space")
            chars.append(drawn_char(pane))
        assert chars == ["m", "o", "r", "."]
        assert history_lines(pane)[-1].endswith("mor")
        assert "finished: 'mor'" in text_of(pane, "#sample-name")
        chars = []
        for _ in range(3):
            await pilot.press("n")
            chars.append(drawn_char(pane))
        assert chars == ["a", "x", "x"]
        assert "axx" in text_of(pane, "#sample-name")
        await pilot.press("f")  # the rest of 'axx': just the '.'
        await pilot.press("f", "f", "f")
        assert history_names(pane) == LECTURE_NAMES

    drive_sample(session, scenario, size)


def test_classic_draw_shows_u_on_the_cumulative_bar(session):
    async def scenario(pilot, pane):
        await pilot.press("space")
        draw = pane.last_draw
        u = float(draw.uniforms[0])
        line = text_of(pane, "#sample-u-line")
        assert f"u = {u:.6f} falls in (" in line
        assert line.endswith("'m'")
        high = float(draw.cumulative[draw.chosen])
        assert f"{high:.4f}]" in line
        assert pane.query_one(CumulativeBar).display
        assert not pane.query_one("#sample-race").display
        assert "P(next | '.')" in text_of(pane, "#sample-row-title")
        bars = str(pane.query_one(ProbBars).render())
        assert ". a b c d e f g h i j k l m n o p q r s t u v w x y z" in bars

    drive_sample(session, scenario)


def test_torch_sampler_shows_the_race(session):
    async def scenario(pilot, pane):
        await pilot.press("t")
        assert pane.sampler.algorithm == "torch"
        assert "sampler torch" in text_of(pane, "#sample-header")
        await pilot.press("space")
        race = text_of(pane, "#sample-race")
        assert "q = −log(1−u) ~ Exp(1); winner = argmax p/q" in race
        winner = drawn_char(pane)
        assert f"'{winner}'" in race and "← winner" in race
        assert pane.query_one("#sample-race").display
        assert not pane.query_one("#sample-classic").display
        await pilot.press("t")
        assert pane.sampler.algorithm == "classic"

    drive_sample(session, scenario)


def test_model_cycles_and_drops_the_name_in_progress(session):
    async def scenario(pilot, pane):
        await pilot.press("space", "space")
        assert pane.sampler.current == ["m", "o"]
        seen = []
        for _ in range(5):
            await pilot.press("m")
            seen.append(pane.model_kind)
            assert pane.sampler.current == []
            assert pane.sampler.context == (0,)  # the start: one "." at order 2
        assert seen == ["smoothed", "neural", "uniform", "kn", "counts"]
        assert "model counts" in text_of(pane, "#sample-header")
        await pilot.press("m", "m")
        assert "neural (W untrained)" in text_of(pane, "#sample-header") or (
            "neural (W after" in text_of(pane, "#sample-header")
        )

    drive_sample(session, scenario)


def test_seed_change_and_bad_seeds(session):
    async def scenario(pilot, pane):
        await pilot.press("s")
        field = pane.query_one("#sample-seed-input", Input)
        assert pane.app.focused is field
        field.value = "abc"
        await pilot.press("enter")
        assert "seed: expected a whole number, got 'abc'" in text_of(pane, "#sample-seed-reason")
        assert pane.app.focused is field and field.value == "abc"  # nothing lost
        field.value = "-3"
        await pilot.press("enter")
        assert "seed: must be between 0 and 2**64-1, got -3" in text_of(pane, "#sample-seed-reason")
        assert pane.sampler.seed == LECTURE_SEED
        field.value = "42"
        await pilot.press("enter")
        assert pane.sampler.seed == 42
        assert pane.app.focused is pane
        assert "seed 42" in text_of(pane, "#sample-header")
        # escape closes the field and keeps the seed
        await pilot.press("s")
        assert pane.app.focused is field
        await pilot.press("escape")
        assert pane.app.focused is pane
        assert pane.sampler.seed == 42
        await pilot.press("space")  # keys work again

    drive_sample(session, scenario)


def test_auto_runs_and_pauses(session):
    async def scenario(pilot, pane):
        await pilot.press("a")
        assert pane.auto_running
        await pilot.pause(0.6)
        await pilot.press("a")
        assert not pane.auto_running
        drawn = len(pane.sampler.history) + len(pane.sampler.current)
        assert drawn > 0
        assert "auto" not in text_of(pane, "#sample-header")

    drive_sample(session, scenario)


def test_history_is_bounded(session):
    async def scenario(pilot, pane):
        for _ in range(HISTORY_LIMIT + 20):
            pane.action_finish()
        await pilot.pause()
        assert len(pane.sampler.history) == HISTORY_LIMIT
        assert len(history_lines(pane)) == HISTORY_LIMIT
        assert history_lines(pane)[-1].startswith(f"{HISTORY_LIMIT + 20:>4}")

    drive_sample(session, scenario)


def test_cut_names_are_marked(session):
    async def scenario(pilot, pane):
        pane.sampler.max_length = 2
        await pilot.press("r", "f", "f")
        # 'mor' is cut to 'mo'; the next name starts afresh at '.'
        assert history_lines(pane)[0].endswith("mo…(cut)")

    drive_sample(session, scenario)


def test_wide_vocabulary_shows_the_likeliest(session):
    async def scenario(pilot, pane):
        bars = pane.query_one(ProbBars)
        labels = [chr(0x21 + i) for i in range(90)]
        probs = [1 / 90] * 90
        bars.show(labels, probs, chosen=89)
        await pilot.pause()
        shown = bars.shown_indices(bars.size.width)
        assert len(shown) == bars.size.width and 89 in shown
        assert str(bars.render())  # draws without error

    drive_sample(session, scenario)
