"""Key fuzzing: thousands of seeded random keys across every pane and screen, then a check-up.

Keys that quit (q, ctrl+q, ctrl+c) are left out; if the app quits anyway (the command
palette can run "Quit"), a new app is started and the keys go on. An exception in any
handler makes run_test re-raise it on exit, which fails the test.
"""

from __future__ import annotations

import asyncio
import random
import string
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Tabs

from bigram_tui.tui.app.registry import PANES
from bigram_tui.tui.app.screens import HelpScreen, SafeCommandPalette

from .helpers import PANE_NAMES, TOUR, make_app, wait_until_loaded

QUITTING = {"q", "ctrl+q", "ctrl+c"}
LETTERS = [c for c in string.ascii_letters if c != "q"]
NAMED = [
    "up", "down", "left", "right", "home", "end", "pageup", "pagedown", "enter", "escape",
    "tab", "shift+tab", "space", "backspace", "delete", "insert",
    "plus", "minus", "equals_sign", "slash", "question_mark", "full_stop", "comma",
    "underscore", "exclamation_mark",
]  # fmt: skip
FUNCTION = [f"f{n}" for n in range(1, 13)]
# ctrl+p opens the command palette (SafeCommandPalette works around three Textual 8.2.8
# crashes that fuzzing found in it): it gets a test of its own.
PALETTE = "ctrl+p"
CONTROL = [f"ctrl+{c}" for c in string.ascii_lowercase if f"ctrl+{c}" not in QUITTING | {PALETTE}]
CONTROL += ["ctrl+up", "ctrl+down", "ctrl+left", "ctrl+right", "ctrl+home", "ctrl+end"]
DIGITS = list("1234567890")


def random_keys(seed: int, count: int, palette: bool = False) -> list[str]:
    """`count` keys, weighted so that pane switches and pane keys come up often."""
    rng = random.Random(seed)
    switches = [*(p.key for p in PANES), "question_mark", "escape", *([PALETTE] if palette else [])]
    pools = [(LETTERS, 35), (DIGITS, 8), (switches, 12), (NAMED, 25), (FUNCTION, 5), (CONTROL, 15)]
    keys = []
    for _ in range(count):
        pool = rng.choices([p for p, _ in pools], weights=[w for _, w in pools])[0]
        keys.append(rng.choice(pool))
    assert not QUITTING & set(keys)
    return keys


def character(key: str) -> str | None:
    if len(key) == 1:
        return key
    return {"space": " ", "plus": "+", "minus": "-", "equals_sign": "=", "slash": "/",
            "question_mark": "?", "full_stop": ".", "comma": ",", "underscore": "_",
            "exclamation_mark": "!"}.get(key)  # fmt: skip


async def send(app, key: str) -> None:
    """Deliver one key as the terminal driver would."""
    app.post_message(events.Key(key, character(key)))
    await asyncio.sleep(0)


async def back_to_the_panes(pilot) -> None:
    """Escape out of text fields, the help screen and the command palette."""
    app = pilot.app
    for _ in range(10):
        if len(app.screen_stack) == 1 and not isinstance(app.focused, Input):
            return
        await pilot.press("escape")
        await pilot.pause(0.05)


async def check_up(pilot) -> None:
    """The app still answers 1–4 and ?."""
    app = pilot.app
    await back_to_the_panes(pilot)
    assert len(app.screen_stack) == 1, app.screen_stack
    tabs = app.query_one(Tabs)
    for key, pane in TOUR:
        await pilot.press(key)
        assert tabs.active == f"tab-{pane}", key
        assert app.query_one(f"#{pane}").display
    await pilot.press("question_mark")
    assert isinstance(app.screen, HelpScreen)
    await pilot.press("escape")
    assert not isinstance(app.screen, HelpScreen)


def quitting(app) -> bool:
    """The app has begun to exit (the palette can run Quit): keys no longer reach it."""
    return bool(app._exit or app._closing)


def fuzz(names_path: Path, seed: int, count: int, palette: bool = False) -> set[str]:
    """Send `count` random keys; returns the panes and screens they reached."""
    keys = random_keys(seed, count, palette)
    apps = 0
    reached: set[str] = set()
    checked: list[int] = []  # where the check-up ran

    async def one_app(start: int) -> int:
        """Run keys from `start` until they run out or the app quits; return where it stopped."""
        nonlocal apps
        apps += 1
        app = make_app(names_path)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until_loaded(pilot)
            position = start
            while position < len(keys):
                await send(app, keys[position])
                position += 1
                reached.update((app.active_pane, type(app.screen).__name__))
                if position % 25 == 0:
                    await pilot.pause()
                if position % 50 == 0:  # make sure every pane gets its share
                    for key in ("escape", "escape", PANES[(position // 50) % len(PANES)].key):
                        await send(app, key)
                if quitting(app):
                    return position
            await pilot.pause()
            if quitting(app):  # the palette's Quit landed during the pause
                return position
            # Stop a training run the keys may have left going, then the check-up.
            train = app.query_one("#train")
            if getattr(train, "state", None) == "running":
                train.pause()
            await check_up(pilot)
            checked.append(position)
        return position

    async def main() -> None:
        position = 0
        while position < len(keys):
            position = await one_app(position)
        if not checked:  # the last app quit with the last keys: a new one gets the check-up
            await one_app(position)
        assert checked == [len(keys)]

    asyncio.run(main())
    reached.add(f"apps:{apps}")
    return reached


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command palette can save screenshots into the working directory.
    monkeypatch.chdir(tmp_path)


def test_the_key_pools_leave_out_only_the_quitting_keys() -> None:
    """Every key class the issue names is in the pools, and nothing that quits."""
    keys = set(random_keys(0, 5000))
    assert {"enter", "escape", "tab", "up", "f5", "ctrl+a", "a", "7"} <= keys
    assert not (QUITTING | {PALETTE}) & keys
    assert PALETTE in random_keys(0, 5000, palette=True)
    assert random_keys(3, 50) == random_keys(3, 50)


def test_key_fuzzing_short(names_path: Path) -> None:
    """300 seeded random keys (the CI run): no exception, and 1–4 and ? still work."""
    reached = fuzz(names_path, seed=2024, count=300)
    assert {*PANE_NAMES, "HelpScreen"} <= reached


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_key_fuzzing_long(names_path: Path, seed: int) -> None:
    """5,000 seeded random keys per seed, over every pane, the help and the palette."""
    reached = fuzz(names_path, seed=seed, count=5000)
    assert {*PANE_NAMES, "HelpScreen"} <= reached


@pytest.mark.slow
def test_key_fuzzing_in_the_command_palette(names_path: Path) -> None:
    """The same fuzzing with ctrl+p in the mix, so the keys also land in the palette."""
    reached = fuzz(names_path, seed=1, count=5000, palette=True)
    assert SafeCommandPalette.__name__ in reached
