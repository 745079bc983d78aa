"""Issue 10, item 10: at 80×24 the Counts side panel holds the read-out and the whole legend
with nothing below the fold, so it shows no scroll bar."""

from __future__ import annotations

from .helpers import run_on_pane


def test_80x24_side_panel_needs_no_scrolling(names_path):
    async def scenario(app, pilot, pane):
        await pilot.pause()
        side = pane.query_one("#counts-side")
        assert side.max_scroll_y == 0
        assert pane.query_one("#legend").region.bottom == side.content_region.bottom

    run_on_pane(names_path, "1", scenario, size=(80, 24))
