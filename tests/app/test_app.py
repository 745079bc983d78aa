"""Pilot tests of the whole app: the notebook's numbers on screen, keys, focus and sizes."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Input, Tabs

from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.heatmap import Heatmap
from bigram_tui.tui.app.screens import HelpScreen

from .helpers import TOUR, run_loaded, text_of

SIZES = [(80, 24), (120, 40)]


# The notebook's numbers on screen: keys pressed on the loaded app, then what each widget
# shows (every text in `shown` must be there, none in `not_shown`).
NOTEBOOK_SCREENS = [
    pytest.param(
        ["2"],
        {"#word-table": ["jq", "-inf", "never occurs in the data"],
         "#word-summary": ["mean NLL        inf"]},
        {},
        SIZES,
        id="andrejq-jq-is-minus-inf",
    ),
    pytest.param(
        ["2", "plus", "plus", "plus", "plus"],  # k: 0 → 0.01 → 0.1 → 0.5 → 1
        {"#word-table": ["-7.9817"],
         "#word-summary": ["mean NLL        3.4834", "log-likelihood  -27.8672"]},
        {"#word-table": ["-inf"]},
        SIZES,
        id="andrejq-smoothed-k1",
    ),
    pytest.param(
        ["2"],
        {"#word-summary": ["2.454014", "2.4541", "-559,891.75"]},
        {},
        [(120, 40)],
        id="dataset-nll-and-the-notebooks-float32-figure",
    ),
    pytest.param(
        ["3", "n", "n", "n"],
        {"#train-losses": ["3.7590", "3.3711", "3.1540"], "#train-status": ["epoch 3/500"]},
        {},
        SIZES,
        id="three-epochs-the-lecture-losses",
    ),
    pytest.param(
        [],
        {"#cell-info": ["count   4,410"]},  # the cursor starts on '.a'
        {},
        [(80, 24)],
        id="grid-cursor-starts-on-dot-a",
    ),
    pytest.param(
        [*["j"] * 14, "h"],  # from '.a' down 14 rows to 'n', left 1 to '.'
        {"#cell-info": ["n.", "count   6,763"]},
        {},
        [(80, 24)],
        id="grid-cursor-n-dot-6763",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "shown", "not_shown", "size"),
    [
        pytest.param(keys, shown, not_shown, size, id=f"{case.id}-{size[0]}x{size[1]}")
        for case in NOTEBOOK_SCREENS
        for keys, shown, not_shown, sizes in [case.values]
        for size in sizes
    ],
)
def test_notebook_numbers_on_screen(names_path, keys, shown, not_shown, size):
    async def scenario(app, pilot):
        await pilot.press(*keys)
        await pilot.pause()
        for selector, texts in shown.items():
            on_screen = text_of(app, selector)
            for text in texts:
                assert text in on_screen, (selector, text)
        for selector, texts in not_shown.items():
            on_screen = text_of(app, selector)
            for text in texts:
                assert text not in on_screen, (selector, text)

    run_loaded(names_path, scenario, size=size)


def test_typing_a_word_rescoring_as_you_type(names_path):
    async def scenario(app, pilot):
        await pilot.press("2", "e")
        field = app.query_one("#word-input", Input)
        assert app.focused is field
        field.value = ""
        await pilot.press(*"emma")
        assert ".e" in text_of(app, "#word-table") and "a." in text_of(app, "#word-table")
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        await pilot.press("1")  # pane keys work again once the field is left
        assert app.query_one(Tabs).active == "tab-counts"

    run_loaded(names_path, scenario, size=(80, 24))


def test_unknown_characters_are_marked_not_dropped(names_path):
    async def scenario(app, pilot):
        await pilot.press("2")
        app.query_one("#word-input", Input).value = "anDrej"
        await pilot.pause()
        message = text_of(app, "#word-table")
        assert "position 3" in message and "'D'" in message
        assert "anDrej" in message

    run_loaded(names_path, scenario, size=(80, 24))


@pytest.mark.parametrize("size", SIZES)
def test_pane_keys_and_help(names_path, size):
    async def scenario(app, pilot):
        for key, pane in TOUR:
            await pilot.press(key)
            assert app.query_one(Tabs).active == f"tab-{pane}"
            assert app.query_one(f"#{pane}").display
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen_stack == [app.screen] and not isinstance(app.screen, HelpScreen)

    run_loaded(names_path, scenario, size=size)


def test_count_grid_has_focus_and_the_start_end_layout(names_path):
    async def scenario(app, pilot):
        heatmap = app.query_one(Heatmap)
        assert app.focused is heatmap
        await pilot.press("s")  # the notebook's <S>/<E> layout
        assert heatmap.data is not None and len(heatmap.data.labels) == 28

    run_loaded(names_path, scenario, size=(80, 24))


def test_resize_to_tiny_and_back_does_not_crash(names_path):
    async def scenario(app, pilot):
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert "too small" in text_of(app, "#too-small")
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert app.screen.has_class("-wide")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("2")
        assert app.query_one(Tabs).active == "tab-word"

    run_loaded(names_path, scenario, size=(80, 24))


def test_missing_dataset_shows_what_to_do(tmp_path):
    async def scenario():
        app = BigramApp(data=str(tmp_path / "nope.txt"))
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(200):
                if app.screen.__class__.__name__ == "DataProblemScreen":
                    break
                await pilot.pause(0.05)
            assert app.screen.__class__.__name__ == "DataProblemScreen"
            await pilot.press("q")
        assert app.return_code in (0, None)

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES)
def test_sampler_after_reset_spells_mor_then_starts_axx(names_path, size):
    async def scenario(app, pilot):
        await pilot.press("4", "n", "r")  # a draw, then back to the seed
        pane = app.query_one("#sample")
        spelled = []
        for _ in range(7):
            await pilot.press("n")
            spelled.append(app.session.vocab.itos[pane.last_draw.chosen])
        assert spelled == ["m", "o", "r", ".", "a", "x", "x"]
        assert [name.text for name in pane.sampler.history] == ["mor"]
        assert text_of(app, "#sample-name") == "name axx"  # in progress: no '.' yet

    run_loaded(names_path, scenario, size=size)


def test_neural_heatmap_follows_training(names_path):
    async def scenario(app, pilot):
        await pilot.press("v", "v", "v")  # counts → P → log P → exp(W)
        assert "exp(W)" in text_of(app, "#counts-title")
        assert "W untrained" in text_of(app, "#counts-title")
        await pilot.press("3", "n", "n")
        await pilot.pause(0.8)  # the grid follows training at a bounded rate
        assert "W after 2 epochs" in text_of(app, "#counts-title")

    run_loaded(names_path, scenario, size=(200, 60))
