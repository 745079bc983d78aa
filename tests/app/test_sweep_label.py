"""The best point's label stays whole inside a narrow sweep plot (80×24 halves its width)."""

from __future__ import annotations

from textual.geometry import Region

from bigram_tui.tui.app.sweep_plot import SweepPlot, label_anchor

from .helpers import run_on_pane, until


def test_the_label_goes_where_it_fits():
    assert label_anchor(0.0, (0.0, 10.0), 5, 40) == (0.0, "left")  # room to the right
    assert label_anchor(10.0, (0.0, 10.0), 5, 40) == (10.0, "right")  # room to the left
    # 20 columns of label under the middle of 30: neither side holds it; start at the edge.
    assert label_anchor(5.0, (0.0, 10.0), 20, 30) == (0.0, "left")


def test_the_best_k_label_is_whole_at_80x24(names_path):
    async def scenario(app, pilot, pane):
        plot = pane.query_one("#eval-k-plot", SweepPlot)
        await until(pilot, lambda: plot.curve is not None and plot.curve.best is not None)
        await pilot.pause()
        assert plot.curve is not None
        label = plot.curve.best_label
        lines = plot.render_lines(Region(0, 0, plot.size.width, plot.size.height))
        assert any(label in "".join(s.text for s in strip) for strip in lines)

    run_on_pane(names_path, "5", scenario, size=(80, 24))
