"""Snapshots of each pane at 80×24 and 120×40, on fixed data and seed with no cursor blink.

Update them after an intended change with `python -m pytest tests/test_snapshots.py
--snapshot-update`, and look at the report before committing.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from .helpers import make_app, until, wait_until_loaded

PANE_KEYS = {
    "counts": [],
    "word": ["2", "plus", "plus", "plus", "plus"],  # k = 1, the lecture's fake count
    "train": ["3", "n", "n", "n"],
    "sample": ["4", "n", "n", "n", "n", "n"],
}


async def loaded_without_blink(pilot) -> None:
    await wait_until_loaded(pilot)
    for field in pilot.app.query(Input):
        field.cursor_blink = False


async def trained_and_drawn(pilot) -> None:
    """Train's keys, then until both plots have drawn the last epoch: a plot draws a frame
    after its data arrives, and the picture must not depend on when it is taken."""
    from bigram_tui.tui.app.loss_plot import GapPlot, LossPlot

    await loaded_without_blink(pilot)
    await pilot.press(*PANE_KEYS["train"])
    loss, gap = pilot.app.query_one(LossPlot), pilot.app.query_one(GapPlot)
    await until(pilot, lambda: len(gap.drawn_gaps) == 3 and loss.drawn_axis is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("pane", list(PANE_KEYS))
def test_pane_snapshot(snap_compare, names_path, pane, size):
    train = pane == "train"
    assert snap_compare(
        make_app(names_path),
        press=[] if train else PANE_KEYS[pane],
        terminal_size=size,
        run_before=trained_and_drawn if train else loaded_without_blink,
    )
