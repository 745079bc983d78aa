"""Snapshots of each pane at 80×24 and 120×40, on fixed data and seed with no cursor blink.

Update them after an intended change with `python -m pytest tests/test_snapshots.py
--snapshot-update`, and look at the report before committing.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from .helpers import make_app, wait_until_loaded

PANE_KEYS = {
    "counts": [],
    "word": ["2", "plus", "plus"],
    "train": ["3", "n", "n", "n"],
    "sample": ["4", "n", "n", "n", "n", "n"],
}


async def loaded_without_blink(pilot) -> None:
    await wait_until_loaded(pilot)
    for field in pilot.app.query(Input):
        field.cursor_blink = False


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("pane", list(PANE_KEYS))
def test_pane_snapshot(snap_compare, names_path, pane, size):
    assert snap_compare(
        make_app(names_path),
        press=PANE_KEYS[pane],
        terminal_size=size,
        run_before=loaded_without_blink,
    )
