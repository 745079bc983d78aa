"""`y` copies what the pane shows (OSC 52); `S`, ctrl+s and the palette save a screenshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp, screenshot_directory
from bigram_tui.tui.app.heatmap import Heatmap

from .helpers import until, wait_until_loaded


def notices(app) -> list[str]:
    return [notification.message for notification in app._notifications]


def run_app(names_path: Path, scenario, size=(80, 24), **kwargs):
    async def main():
        app = BigramApp(data=str(names_path), seed=DEFAULT_SEED, **kwargs)
        async with app.run_test(size=size) as pilot:
            await wait_until_loaded(pilot)
            return await scenario(app, pilot)

    return asyncio.run(main())


def test_y_in_word_copies_the_score_table(names_path):
    async def scenario(app, pilot):
        await pilot.press("2", "y")
        lines = app.clipboard.splitlines()
        assert lines[0] == "bigram\tP\tlog P"
        assert len(lines) == 9  # andrejq: 8 bigrams
        assert lines[-2] == "jq\t0.000000\t-inf"
        assert "copied the score table (8 rows)" in notices(app)

    run_app(names_path, scenario)


def test_y_in_word_at_order_three_copies_the_reasons(names_path):
    async def scenario(app, pilot):
        await pilot.press("2", "o")
        pane = app.query_one("#word")
        await until(pilot, lambda: "ej → q" in str(pane.query_one("#word-table").render()))
        await pilot.press("y")
        lines = app.clipboard.splitlines()
        assert lines[0] == "context\tnext\tP\tlog P\twhy -inf"
        assert "ej\tq\t0.000000\t-inf\tnext token never seen after this context" in lines
        assert "jq\t.\t0.000000\t-inf\tcontext never seen" in lines

    run_app(names_path, scenario)


def test_y_in_counts_copies_the_selected_cell(names_path):
    async def scenario(app, pilot):
        await pilot.press("y")  # the cursor starts on '.a'
        assert app.clipboard == "bigram\tcount\tP\n.a\t4410\t0.137671\n"
        assert "copied the cell .a" in notices(app)
        app.query_one(Heatmap).move_cursor(14, 0)  # 'n.', the notebook's ('n', '.')
        await pilot.press("y")
        assert app.clipboard.splitlines()[1].startswith("n.\t6763\t")

    run_app(names_path, scenario)


def test_nothing_to_copy_says_so(names_path):
    async def scenario(app, pilot):
        await pilot.press("2")
        app.query_one("#word").word = ""
        await pilot.press("y")
        assert app.clipboard == ""
        assert "nothing to copy in Word" in notices(app)

    run_app(names_path, scenario)


def test_copy_is_a_palette_command(names_path):
    async def scenario(app, pilot):
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Copy what the pane shows" in titles
        assert "Screenshot" in titles  # Textual's, which our deliver_screenshot serves

    run_app(names_path, scenario)


async def shot_taken(app, pilot, directory: Path, key: str = "S") -> list[Path]:
    await pilot.press(key)
    await until(pilot, lambda: any("screenshot" in n for n in notices(app)))
    return sorted(directory.glob("*.svg"))


def test_screenshot_key_saves_into_the_given_directory_and_names_it(names_path, tmp_path):
    async def scenario(app, pilot):
        files = await shot_taken(app, pilot, tmp_path)
        assert len(files) == 1 and files[0].read_text(encoding="utf-8").startswith("<svg")
        assert f"screenshot saved to {files[0]}" in notices(app)
        files = await shot_taken(app, pilot, tmp_path, "ctrl+s")
        assert len(files) >= 1

    run_app(names_path, scenario, screenshots_dir=tmp_path)


def test_palette_screenshot_uses_the_same_directory(names_path, tmp_path):
    async def scenario(app, pilot):
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
        command.callback()
        await until(pilot, lambda: any(tmp_path.glob("*.svg")))

    run_app(names_path, scenario, screenshots_dir=tmp_path)


def test_unwritable_directory_is_a_notice_not_silence(names_path, tmp_path):
    missing = tmp_path / "no[b]such"  # markup-like: the notice must show it as it is

    async def scenario(app, pilot):
        await pilot.press("S")
        await until(pilot, lambda: any("no screenshot" in n for n in notices(app)))
        notice = next(n for n in notices(app) if "no screenshot" in n)
        assert str(missing) in notice and "--screenshots DIR" in notice
        assert "\n" not in notice

    run_app(names_path, scenario, screenshots_dir=missing)
    assert not missing.exists()


def test_default_directory_is_xdg_then_downloads_then_here(tmp_path, monkeypatch):
    home, xdg = tmp_path / "home", tmp_path / "xdg"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(xdg))  # set but missing: skipped
    assert screenshot_directory(None) == tmp_path
    (home / "Downloads").mkdir()
    assert screenshot_directory(None) == home / "Downloads"
    xdg.mkdir()
    assert screenshot_directory(None) == xdg
    assert screenshot_directory(tmp_path / "given") == tmp_path / "given"


def test_the_palette_lists_each_pane_action_once(names_path):
    """Issue 18.13: `n` and `s` both step one epoch: one command, with both keys."""

    async def scenario(app, pilot):
        await pilot.press("3")
        commands = [c for c in app.get_system_commands(app.screen) if c.title.startswith("Train:")]
        actions = [c.help for c in commands]
        assert len({c.title for c in commands}) == len(commands)
        assert any(h == "key n, s" or h == "key s, n" for h in actions), actions

    run_app(names_path, scenario)
