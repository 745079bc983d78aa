"""The heatmap measures in terminal cells: wide and zero-width labels keep the grid aligned."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rich.cells import cell_len

from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.heatmap import PLACEHOLDER, Heatmap, fit_cells, grid_label, readout_label

from .helpers import text_of, wait_until_loaded

COMBINING_ACUTE = "\u0301"
# 中 and 😀 take two cells; the combining acute of "é" written as e + U+0301 takes none.
WORDS = ["中文", "a😀b", "e\u0301a", "ava", "emma", "中a", "😀"]


def check_grid(heatmap: Heatmap) -> None:
    """Every line spans the grid's width; each header and cell segment spans one column."""
    width = heatmap.virtual_size.width
    cell = heatmap.cell_width
    for y in range(heatmap.virtual_size.height):
        strip = heatmap._build_line(y)
        assert strip.cell_length == width, (y, heatmap.compact, list(strip))
    header = list(heatmap._build_line(0))
    assert cell_len(header[0].text) == heatmap.label_width
    assert [cell_len(segment.text) for segment in header[1:]] == [cell] * len(heatmap.data.labels)
    if not heatmap.compact:  # the labelled layout: one segment per cell
        for y in range(1, heatmap.virtual_size.height):
            cells = list(heatmap._build_line(y))[1:]
            assert [cell_len(segment.text) for segment in cells] == [cell] * len(cells)


@pytest.mark.parametrize("size", [(160, 45), (100, 24)], ids=["one-row-a-line", "half-blocks"])
def test_wide_and_combining_labels_keep_every_line_the_same_width(tmp_path: Path, size) -> None:
    path = tmp_path / "wide.txt"
    path.write_text("\n".join(WORDS) + "\n", encoding="utf-8")

    async def main() -> None:
        app = BigramApp(data=str(path), seed=DEFAULT_SEED)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            await pilot.press("1")
            heatmap = app.query_one(Heatmap)
            labels = heatmap.data.labels
            assert {"中", "😀", COMBINING_ACUTE} <= set(labels)
            for compact in (True, False):
                heatmap.compact = compact
                await pilot.pause()
                check_grid(heatmap)
            # The cursor on the combining mark: the read-out names its code point.
            mark = labels.index(COMBINING_ACUTE)
            heatmap.move_cursor(labels.index("e"), mark)
            await pilot.pause()
            info = text_of(app, "#cell-info")
            assert "<U+0301>" in info and COMBINING_ACUTE not in info
            await pilot.press("t")  # the most common bigrams, right-aligned by cells
            top = text_of(app, "#top-bigrams").splitlines()[1:]
            assert top and len({cell_len(line) for line in top}) == 1, top

    asyncio.run(main())


def test_label_helpers() -> None:
    assert grid_label(COMBINING_ACUTE) == PLACEHOLDER
    assert grid_label("中") == "中" and grid_label("<S>") == "<S>"
    assert readout_label(COMBINING_ACUTE) == "<U+0301>" and readout_label("a") == "a"
    assert fit_cells("中", 4) == " 中 " and fit_cells("a", 4) == "a".center(4)
    assert fit_cells("中", 3, "right") == " 中" and fit_cells("中", 3, "left") == "中 "
    assert cell_len(fit_cells("中中", 3)) == 3
