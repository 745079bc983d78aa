"""Issue 10, item 11: at 80×24 every pane's footer ends in its way out, '? Help  q Quit'."""

from __future__ import annotations

import pytest

from bigram_tui.tui.app.footer import KeyFooter
from bigram_tui.tui.app.registry import PANES

from .helpers import run_on_pane


def footer_line(app) -> str:
    return str(app.query_one(KeyFooter).render())


@pytest.mark.parametrize("pane_key", [spec.key for spec in PANES])
def test_help_and_quit_fit_80_columns_on_every_pane(names_path, pane_key):
    async def scenario(app, pilot, pane):
        line = footer_line(app)
        assert len(line.rstrip()) <= 80  # the last cell is padding
        assert line.rstrip().endswith("? Help  q Quit") or line.rstrip().endswith("palette")
        assert "? Help" in line and "q Quit" in line

    run_on_pane(names_path, pane_key, scenario, size=(80, 24))


def test_the_palette_hint_gives_way_only_when_the_keys_need_the_room(names_path):
    async def scenario(app, pilot, pane):
        assert "space Run/pause" in footer_line(app) and "palette" not in footer_line(app)
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert "q Quit" in footer_line(app) and footer_line(app).rstrip().endswith("^p palette")

    run_on_pane(names_path, "3", scenario, size=(80, 24))
