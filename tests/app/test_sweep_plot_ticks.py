"""A sweep's curve looks the same whether it arrives before the plot's first frame or after."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from bigram_tui.tui.app.sweep_plot import Curve, SweepPlot

XS, YS = (0.01, 0.1, 1.0, 10.0), (2.4611, 2.4533, 2.4557, 2.5012)
CURVE = Curve("dev NLL by k", XS, YS, best=(0.1, 2.4533))


class PlotHost(App):
    def __init__(self, curve_first: bool) -> None:
        super().__init__()
        self.curve_first = curve_first

    def compose(self) -> ComposeResult:
        plot = SweepPlot()
        if self.curve_first:
            plot.show(CURVE)
        yield plot


def drawn(curve_first: bool) -> str:
    async def main() -> str:
        app = PlotHost(curve_first)
        async with app.run_test(size=(60, 16)) as pilot:
            plot = app.query_one(SweepPlot)
            await pilot.pause()
            if not curve_first:
                plot.show(CURVE)  # after empty axes were drawn
                await pilot.pause()
            return str(plot.render())

    return asyncio.run(main())


def test_the_curve_is_drawn_alike_whichever_came_first():
    first, later = drawn(curve_first=True), drawn(curve_first=False)
    assert first == later
    assert "2.45" in first and "┤" in first  # y labels either way: dev NLL is what it shows
