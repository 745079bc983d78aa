"""Make the README's pictures: the app photographs each of its panes.

    python assets/make_screenshots.py [--data PATH]

Writes assets/<pane>.svg at 120×40 (and counts-80x24.svg), on fixed data and seed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from bigram_tui.core.rng import DEFAULT_SEED
from bigram_tui.tui.app.app import BigramApp

ASSETS = Path(__file__).resolve().parent
DEFAULT_DATA = ASSETS.parent / "core" / "names.txt"  # the built-in copy

# (file name, terminal size, keys pressed after the model has loaded)
SHOTS = [
    ("counts-80x24", (80, 24), []),
    ("counts", (120, 40), []),
    ("word", (120, 40), ["2", *["plus"] * 4]),  # k = 1, the lecture's fake count
    ("walkthrough", (120, 40), ["2", "m", "w"]),
    ("train", (120, 40), ["3", *["n"] * 3, "space"]),
    ("sample", (120, 40), ["4", "n", "n", "n", "n", "f", "n", "n"]),
    ("wide", (200, 60), ["3", *["n"] * 3]),
    ("wide-word", (200, 60), ["2"]),  # the grid marks the word's bigrams beside it
    ("compare", (120, 40), []),  # see compare_runs
]
TRAINING_SECONDS = 2.0  # the train shot: about 50 epochs at 25/s, the drop and the gap


async def compare_runs(app: BigramApp, pilot) -> None:
    """Train at lr 50, pin that curve (b), then train again at lr 10 over it."""

    async def train_to_the_end() -> None:
        await pilot.press("space")
        while app.session is not None and app.session.run().epoch < 500:
            await pilot.pause(0.1)

    await pilot.press("3", "v", "v")  # at full speed: 500 epochs at the default 25/s take 20 s
    await train_to_the_end()
    await pilot.press("b", "r", "f")  # pin, reset W, into the lr field
    app.screen.focused.value = "10"  # type: ignore[union-attr]
    await pilot.press("enter", "escape")
    await train_to_the_end()


async def shoot(data: Path, name: str, size: tuple[int, int], keys: list[str]) -> Path:
    app = BigramApp(data=str(data), seed=DEFAULT_SEED)
    async with app.run_test(size=size) as pilot:
        while app.session is None:
            await pilot.pause(0.05)
        await pilot.pause()
        if name == "compare":
            await compare_runs(app, pilot)
        for key in keys:
            await pilot.press(key)
            if name == "train" and key == "space":
                await asyncio.sleep(TRAINING_SECONDS)
                await pilot.press("space")
        await pilot.pause(0.3)
        path = ASSETS / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(ASSETS))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=os.environ.get("BIGRAM_TUI_DATA", DEFAULT_DATA)
    )
    parser.add_argument("--only", help="one picture, by name")
    args = parser.parse_args()
    for name, size, keys in SHOTS:
        if args.only and name != args.only:
            continue
        print(asyncio.run(shoot(args.data, name, size, keys)))


if __name__ == "__main__":
    main()
