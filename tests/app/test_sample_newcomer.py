"""Issue 10 in the Sample tab: the neural W follows training (9), auto pauses when hidden and
has a speed (19), one number format and a "%" (20), the 80×24 footer fits (11), and every
key has a whole description in the help (21)."""

from __future__ import annotations

import asyncio

import pytest
import torch

from bigram_tui.tui.app.footer import KeyFooter
from bigram_tui.tui.app.prob_bars import PERCENT_UNIT, ProbBars
from bigram_tui.tui.app.sample_pane import AUTO_SECONDS, SamplePane
from bigram_tui.tui.app.screens import HelpScreen

from .helpers import LECTURE_SEED, drive_sample, make_app, text_of, until, wait_until_loaded


@pytest.fixture
def session(names_path):
    """A session of its own: these tests train it."""
    from bigram_tui.core.session import Session

    return Session.load(names_path, seed=LECTURE_SEED)


def on_sample_pane(names_path, scenario, size=(80, 24)):
    async def main():
        app = make_app(names_path)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("4")
            await scenario(app, pilot, app.query_one(SamplePane))

    asyncio.run(main())


def test_the_neural_model_follows_the_training_run(session):
    async def scenario(pilot, pane):
        await pilot.press("m", "m")
        assert pane.model_kind == "neural"
        assert "neural (W untrained)" in text_of(pane, "#sample-header")
        session.train(1200)
        await pilot.press("space")  # the draw uses the W training has reached
        assert "neural (W after 1,200 epochs)" in text_of(pane, "#sample-header")
        expected = torch.softmax(session.run().weights.double(), dim=1)[0]
        assert torch.allclose(pane.last_draw.original, expected)
        session.train(3)
        await pilot.press("w")  # or at once, before any draw
        assert "neural (W after 1,203 epochs)" in text_of(pane, "#sample-header")

    drive_sample(session, scenario)


def test_auto_pauses_while_the_pane_is_hidden_and_has_a_speed(names_path):
    async def scenario(app, pilot, pane):
        await pilot.press("a")
        assert "▶ auto 10/s" in text_of(pane, "#sample-header")
        await until(pilot, lambda: pane.query_one("#sample-history").lines)
        await pilot.press("1")  # Counts: Sample is hidden
        assert not pane.display
        await pilot.pause(0.05)
        drawn = len(pane.sampler.history), list(pane.sampler.current)
        await pilot.pause(AUTO_SECONDS * 5)
        assert (len(pane.sampler.history), list(pane.sampler.current)) == drawn
        await pilot.press("4")  # back: it goes on
        await until(pilot, lambda: (len(pane.sampler.history), pane.sampler.current) != drawn)
        assert pane.auto_running
        await pilot.press("greater_than_sign")
        assert pane.auto_rate == 50 and "▶ auto 50/s" in text_of(pane, "#sample-header")
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign")
        assert pane.auto_rate == 2 and "▶ auto 2/s" in text_of(pane, "#sample-header")
        await pilot.press("a")
        assert "auto" not in text_of(pane, "#sample-header")

    on_sample_pane(names_path, scenario, size=(120, 40))


@pytest.mark.parametrize("size", [(120, 40), (200, 60)])
def test_the_percentages_row_says_percent(session, size):
    async def scenario(pilot, pane):
        await pilot.press("space")
        percent_row = str(pane.query_one(ProbBars).render()).split("\n")[0]
        assert percent_row.rstrip().endswith(PERCENT_UNIT)
        assert percent_row.split()[:2] == ["0", "14"]  # P(. | .) = 0, P(a | .) = 0.1377

    drive_sample(session, scenario, size)


def test_the_footer_fits_80_columns_with_the_apps_keys(names_path):
    async def scenario(app, pilot, pane):
        footer = str(app.query_one(KeyFooter).render())
        for shown in ("space Draw", "f Finish", "a Auto", "m Model", "o Order", "? Help"):
            assert shown in footer
        assert "q Quit" in footer and "palette" in footer

    on_sample_pane(names_path, scenario)


def test_help_gives_every_sample_key_a_whole_description(names_path):
    async def scenario(app, pilot, pane):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = dict(dict(app.screen.sections)["4 Sample"])
        assert keys["space, n"] == "draw the next character"  # one row for both keys
        assert keys["s"] == "type a new seed"
        assert keys["["].startswith("lower the temperature T")
        assert keys["k"].startswith("next top-k")
        assert keys[">"] == "auto: more draws a second"
        assert all(len(description.split()) >= 2 for description in keys.values())

    on_sample_pane(names_path, scenario, size=(120, 40))
