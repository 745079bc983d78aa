"""The top bar holds the five tabs and the status on one line, at 80 columns too."""

from __future__ import annotations

import asyncio

import pytest

from bigram_tui.tui.app.registry import PANES

from .helpers import make_app, wait_until_loaded


@pytest.mark.parametrize(
    ("size", "status"),
    [
        ((80, 24), "32,033 words · bigram"),
        ((120, 40), "names.txt (built-in) · 32,033 words · 27 tokens · bigram"),
        ((60, 16), "bigram"),  # the smallest size: every tab stays in view
    ],
)
def test_tabs_and_status_share_one_line(names_path, size, status) -> None:
    async def main():
        app = make_app(names_path)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            await pilot.pause()
            shown = str(app.query_one("#status").visual)
            # The built-in label only applies to the package's copy; the tests may read ../shared.
            assert shown.endswith(status.split("names.txt (built-in) · ")[-1])
            assert "\n" not in shown
            tabs = app.query_one("#tabs")
            assert tabs.size.width >= sum(len(f"{p.key} {p.title}") + 2 for p in PANES)
            assert app.query_one("#status").size.width <= size[0] - tabs.size.width
            await pilot.press("o")
            await pilot.pause()
            assert str(app.query_one("#status").visual).endswith("trigram")

    asyncio.run(main())
