"""Issue 18, items 6, 13, 15 and 19, and issue 19 item 5 (Word's Kneser–Ney back-off), in the
Counts and Word panes, the footer and the help."""

from __future__ import annotations

import math

import pytest
import torch

from bigram_tui.tui.app.counts_pane import CountsPane, format_cell
from bigram_tui.tui.app.footer import KeyFooter
from bigram_tui.tui.app.heatmap import Heatmap, grid_label
from bigram_tui.tui.app.screens import HelpScreen
from bigram_tui.tui.app.word_pane import WordPane

from .helpers import LECTURE_SEED, drive_pane, run_on_pane, session_fixture, text_of, until

session = session_fixture(seed=LECTURE_SEED)
BAR_OF_INF = "████████████████ ∞"


async def at_order(pilot, pane, order: int, selector: str) -> None:
    pane.use_order(order)
    await until(pilot, lambda: "counting" not in text_of(pane, selector))
    await until(pilot, lambda: getattr(pane, "_shown_order", order) == order)
    await pilot.pause()


def example_block(table: str, n: int) -> list[str]:
    """The lines of example n of the walkthrough, up to the blank line after it."""
    lines = table.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"example {n} of"))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def line_starting(block: list[str], word: str) -> str:
    """The vector row named `word` (not the line that says what it is: "logits = …")."""
    rows = (line.split() for line in block)
    return " ".join(next(row for row in rows if row[:1] == [word] and row[1:2] != ["="]))


def top_columns(probs: list[float], label: int) -> list[int]:
    ranked = sorted(range(len(probs)), key=lambda i: (-probs[i], i))[:5]
    if label not in ranked:
        ranked[-1] = label
    return ranked


def assert_fits(pane) -> None:
    """Every row of numbers fits the pane beside its scroll bar (prose may wrap)."""
    table = text_of(pane, "#word-table")
    width = pane.query_one("#word-table").content_region.width
    rows = [line for line in table.splitlines() if line.startswith(("  ", "example"))]
    assert rows and max(len(line) for line in rows) <= width


# 18.15: In[22] whole ---------------------------------------------------------------------


def test_the_walkthrough_shows_each_step_of_the_forward_pass(session):
    """x and its one-hot, the logits (the row of W picked), exp, the probabilities, the
    label, its p, log p and NLL, then the mean: the net's own numbers, at 80×24."""
    net = session.model("neural", order=2)
    steps = session.walkthrough("andrejq", net)

    async def scenario(pilot, pane):
        await pilot.press("m", "w")
        table = text_of(pane, "#word-table")
        assert table.startswith("The net's forward pass on each example (notebook In[22])")
        block = example_block(table, 1)
        assert block[0].startswith("example 1 of 8: '.' → 'a'") and "x = 0, y = 1" in block[0]
        assert "xenc = 1" + "0" * 26 + "  (27 wide)" in block[1]
        assert "logits = xenc @ W = W[0]" in block[2]
        logits = net.logits(torch.tensor([0]))[0].tolist()
        probs = steps[0].probs.tolist()
        shown = top_columns(probs, 1)
        header = block[3].split()
        assert header[: len(shown)] == [
            f"y={session.vocab.itos[i]}" if i == 1 else session.vocab.itos[i] for i in shown
        ]
        assert line_starting(block, "logits").split()[1:] == [f"{logits[i]:.4f}" for i in shown]
        counts = [math.exp(v) for v in logits]
        assert line_starting(block, "counts").split()[1:] == [
            *(f"{counts[i]:.4f}" for i in shown),
            f"{math.fsum(counts):.4f}",
        ]
        assert line_starting(block, "probs").split()[1:] == [
            *(f"{probs[i]:.4f}" for i in shown),
            "1.0000",
        ]
        first = steps[0]
        assert (
            f"p = probs[1] = {first.prob:.6f}   log p = {first.log_prob:.4f}   "
            f"nll = −log p = {first.nll:.4f}" in table
        )
        mean = sum(step.nll for step in steps) / len(steps)
        assert f") / 8 = {mean:.4f}  (the loss)" in table
        assert len([line for line in table.splitlines() if line.startswith("example ")]) == 8
        assert_fits(pane)

    drive_pane(WordPane(), session, scenario, size=(80, 24))


def test_the_walkthrough_at_order_three_names_the_rows_of_w_each_net_picks(session):
    async def scenario(pilot, pane):
        await pilot.press("m", "w")
        await at_order(pilot, pane, 3, "#word-table")
        # The table net: a row of W per context seen; '.a' is one of them.
        net = session.model("neural", order=3)
        row = int(torch.searchsorted(net.contexts, torch.tensor([1]))[0])
        block = example_block(text_of(pane, "#word-table"), 2)
        assert block[0].startswith("example 2 of 8: '.a' → 'n'") and "x = (0, 1)" in block[0]
        assert f"one-hot, {len(net.contexts):,} wide" in block[1] and f"1 at {row}," in block[1]
        assert f"logits = xenc @ W = W[{row}], the row of '.a'" in block[2]
        assert_fits(pane)
        # The linear net: one one-hot per context position, 2 × 27 bits.
        session.new_run("linear", 3)
        pane.rescore()
        await pilot.pause()
        block = example_block(text_of(pane, "#word-table"), 2)
        bits = ["0"] * 54
        bits[0], bits[27 + 1] = "1", "1"
        assert "xenc = " + "".join(bits) in block[1]
        assert "logits = xenc @ W = W[0] + W[28]" in block[2]
        linear = session.model("neural", order=3)
        logits = linear.logits(torch.tensor([1]))[0].tolist()
        probs = session.walkthrough("andrejq", linear)[1].probs.tolist()
        shown = top_columns(probs, session.vocab.stoi["n"])
        assert line_starting(block, "logits").split()[1:] == [f"{logits[i]:.4f}" for i in shown]
        assert_fits(pane)
        session.new_run("table", 3)

    drive_pane(WordPane(), session, scenario, size=(80, 24))


def test_the_walkthrough_of_the_counts_model_reads_its_row_of_counts(session):
    async def scenario(pilot, pane):
        await pilot.press("w")
        block = example_block(text_of(pane, "#word-table"), 1)
        counts = line_starting(block, "counts").split()[1:]
        assert counts[0] == "4,410" and counts[-1] == "32,033"  # N['.', 'a'], N['.'] summed
        await pilot.press("plus", "plus", "plus")  # k = 0.5
        block = example_block(text_of(pane, "#word-table"), 1)
        assert line_starting(block, "counts").split()[1:][0] == "4,410.5"
        assert_fits(pane)

    drive_pane(WordPane(), session, scenario, size=(80, 24))


# 19.5: Word shows where Kneser–Ney's P comes from --------------------------------------------


def expected_share(part: float, total: float) -> str:
    share = part / total
    if share == 0:
        return "·"
    if share < 0.005:
        return "<1"
    if 0.995 <= share < 1:
        return ">99"
    return str(round(share * 100))


def test_kneser_ney_steps_show_how_much_of_p_each_order_gives(session):
    model = session.model("kn", order=3)
    stoi = session.vocab.stoi
    steps = session.score_words(["andrejq"], model)[0].steps
    contexts = torch.tensor([stoi[a] * 27 + stoi[b] for a, b in (s.context for s in steps)])
    parts = model.contributions(contexts, torch.tensor([stoi[s.next] for s in steps])).tolist()

    async def scenario(pilot, pane):
        await at_order(pilot, pane, 3, "#word-table")
        await pilot.press("m", "m")
        assert "Kneser–Ney, D = 0.75, trigram" in text_of(pane, "#word-settings")
        table = text_of(pane, "#word-table")
        assert "% of P from order" in table and "back-off" in table
        rows = [line.split() for line in table.splitlines() if " → " in line][1:]
        assert len(rows) == len(steps)
        for row, step, part in zip(rows, steps, parts, strict=True):
            assert row[3] == f"{step.prob:.4f}"
            # Columns: order 3, 2, 1, then 1/V.
            assert row[5:] == [expected_share(p, sum(part)) for p in part[::-1]]
        # 'ej' was never followed by 'q': the trigram and the bigram give nothing.
        assert rows[6][:3] == ["ej", "→", "q"] and rows[6][5:7] == ["·", "·"]
        assert "dataset mean NLL" in text_of(pane, "#word-summary")
        assert "D = 0.75" in text_of(pane, "#word-summary")
        assert_fits(pane)
        # The walkthrough gives each order's part of P(y) to six decimals.
        await pilot.press("w")
        block = example_block(text_of(pane, "#word-table"), 7)
        assert "where P(y) comes from" in "\n".join(block)
        shown = [line.split() for line in block if line.split()[0] in ("trigram", "bigram")]
        assert [line[1] for line in shown] == [f"{parts[6][3]:.6f}", f"{parts[6][2]:.6f}"]
        assert_fits(pane)
        await pilot.press("m")  # back to the counts model
        assert "counts, k = 0" in text_of(pane, "#word-settings")

    drive_pane(WordPane(), session, scenario, size=(80, 24))


# 18.19: −inf is drawn the same at every order ------------------------------------------------


def test_minus_infinity_draws_the_same_bar_at_orders_two_and_three(session):
    async def scenario(pilot, pane):
        rows = {}
        for order in (2, 3):
            await at_order(pilot, pane, order, "#word-table")
            table = text_of(pane, "#word-table")
            rows[order] = [line for line in table.splitlines() if "-inf" in line]
        assert rows[2] and rows[3]
        assert all(line.endswith(BAR_OF_INF) for line in rows[2] + rows[3])

    drive_pane(WordPane(), session, scenario, size=(80, 24))


# 18.6: a labelled cell is shown whole or not at all -------------------------------------------


def visible_numbers(heatmap: Heatmap, y: int) -> list[str]:
    text = heatmap.render_line(y).text
    return text[heatmap.label_width :].split()


def test_the_labelled_grid_never_shows_a_cut_cell_as_a_number(names_path):
    async def scenario(app, pilot, pane):
        await pilot.press("z")
        await until(pilot, lambda: not app.query_one(Heatmap).compact)
        heatmap = app.query_one(Heatmap)
        await pilot.pause()
        data = heatmap.data
        for _ in range(2):  # at the left edge, then scrolled to a cell cut on the left
            shown = heatmap.visible_columns()
            assert 0 < len(shown) < len(data.labels)  # 120×40 cannot hold all 27 columns
            for row in (0, 1):  # rows '.' and 'a': 1639 2 and 3264 1 were cut from 2055, 1118
                expected = [data.texts[row][col] for col in shown]
                assert visible_numbers(heatmap, 2 + 2 * row) == expected
            # Each shown cell ends inside the view: none is cut by the right edge.
            end = heatmap.label_width + (shown.stop * heatmap.cell_width) - heatmap.scroll_x
            assert end <= heatmap.scrollable_content_region.width
            assert heatmap.render_line(0).text.rstrip().endswith("›")  # more to the right
            heatmap.scroll_to(x=heatmap.cell_width * 3 + 2, animate=False, force=True)
            await pilot.pause()
        assert heatmap.visible_columns().start == 4  # column 3 is cut on the left: hidden

    run_on_pane(names_path, "1", scenario, size=(120, 40))


# 18.13: help and footer name each key once, for what it does ----------------------------------


def test_help_lists_each_action_once_with_all_its_keys(names_path):
    async def scenario(app, pilot, pane):
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        sections = dict(screen.sections)
        for title, rows in screen.sections:
            keys = [key for key, _ in rows]
            words = [words for _, words in rows]
            assert len(keys) == len(set(keys)), title
            assert len(words) == len(set(words)), title
        train = dict(sections["3 Train"])
        assert train["n, s"] == "train one epoch" and "s" not in train
        assert all(speed in train["v"] for speed in ("25/s", "250/s", "max"))
        counts = dict(sections["1 Counts"])
        assert [key for key in counts if key == "t"] == ["t"]
        assert "most common" in counts["t"]

    run_on_pane(names_path, "1", scenario, size=(120, 40))


def test_counts_footer_names_z_for_what_it_does_and_t_once(names_path):
    async def scenario(app, pilot, pane):
        footer = str(app.query_one(KeyFooter).render())
        assert "z Labels" in footer and "Zoom" not in footer
        assert footer.count(" t ") == 1 and "t Top bigrams" in footer
        titles = [command.title for command in app.get_system_commands(app.screen)]
        top = [title for title in titles if title.startswith("Counts: Top")]
        assert top == ["Counts: Top n-grams"]  # the palette lists the key once

    run_on_pane(names_path, "1", scenario, size=(80, 24))


# 18.19: the Counts pane's words and numbers ----------------------------------------------------


def test_the_unigram_row_is_not_labelled_with_a_placeholder(session):
    async def scenario(pilot, pane):
        await at_order(pilot, pane, 1, "#counts-title")
        heatmap = pane.query_one(Heatmap)
        assert grid_label("") == ""
        assert "?" not in heatmap.render_line(1).text
        pane.labelled = True
        await pilot.pause()
        assert heatmap.data.texts[0][1] == "33885"
        assert heatmap.render_line(1).text.split()[:3] == [".", "a", "b"]  # tokens, not "?a"

    drive_pane(CountsPane(), session, scenario, size=(120, 40))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-0.001, "-<.01"), (0.004, "+<.01"), (0.0, "0"), (-0.06, "-.06"), (0.13, "+.13")],
)
def test_the_difference_view_never_shows_minus_point_zero_zero(value, shown):
    assert format_cell("diff", value) == shown


def test_the_legend_says_blank_is_never_seen_in_words(session):
    async def scenario(pilot, pane):
        legend = text_of(pane, "#legend")
        assert "[]" not in legend and legend.splitlines()[-1] == "blank: never seen"
        # It fits the side panel: nothing of it is cut or wrapped.
        assert len(legend.splitlines()[-1]) <= pane.query_one("#legend").content_region.width

    drive_pane(CountsPane(), session, scenario, size=(80, 24))
