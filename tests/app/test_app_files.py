"""Issue 19.1 in the app: `bigram-tui --data train.txt --dev val.txt --test test.txt
[--stream]` loads the files' split, and Evaluate, Sample's marks and Train's `d` use it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bigram_tui.core.session import DEV_TEST
from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.evaluate_pane import EvaluatePane
from bigram_tui.tui.app.sample_history import NameHistory
from bigram_tui.tui.app.train_pane import TrainPane
from bigram_tui.tui.cli import main as cli

from ..core.ng_files import make_ng_files
from .helpers import text_of, until, wait_until_loaded

TRAIN = ("emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn")
DEV = ("abigail", "emily", "ella")
TEST = ("elizabeth", "camila", "luna", "sofia")


def write(path: Path, words: tuple[str, ...]) -> Path:
    path.write_text("".join(word + "\n" for word in words), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    return (write(tmp_path / "train.txt", TRAIN), write(tmp_path / "val.txt", DEV),
            write(tmp_path / "test.txt", TEST))  # fmt: skip


def test_the_file_options_reach_run_app(monkeypatch, files) -> None:
    import bigram_tui.tui.app.app as app_module

    received: dict[str, object] = {}
    monkeypatch.setattr(app_module, "run_app", lambda **options: received.update(options) or 0)
    train, dev, test = map(str, files)
    assert cli.main(["--data", train, "--dev", dev, "--test", test, "--stream"]) == 0
    assert (received["data"], received["dev"], received["test"]) == (train, dev, test)
    assert received["stream"] is True
    received.clear()
    assert cli.main(["--data", train]) == 0
    assert (received["dev"], received["test"], received["stream"]) == (None, None, False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dev", "val.txt"], "--dev needs --test too"),
        (["--test", "test.txt"], "--test needs --dev too"),
        (["--dev", "v", "--test", "t", "stats"],
         "--dev is an option of the app; drop it from `stats`, or give `stats --dev`"),
        (["--stream", "stats"],
         "--stream is an option of the app; drop it from `stats`, or give `stats --stream`"),
    ],
)  # fmt: skip
def test_a_wrong_use_is_one_line_before_the_app_starts(monkeypatch, capsys, argv, message):
    import bigram_tui.tui.app.app as app_module

    monkeypatch.setattr(app_module, "run_app", lambda **options: pytest.fail("app started"))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_the_panes_use_the_files_split(files) -> None:
    train, dev, test = files

    async def main():
        app = BigramApp(data=str(train), dev=str(dev), test=str(test))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            session = app.session
            assert session.files == files and not session.stream
            await pilot.press("5")
            evaluate = app.query_one(EvaluatePane)
            await until(pilot, lambda: evaluate.rows is not None, timeout=60)
            await pilot.pause()
            heading = text_of(evaluate, "#eval-heading")
            assert f"fitted on train ({len(TRAIN)} words); dev {len(DEV)}, test {len(TEST)}" in (
                heading
            )
            await pilot.press("4")
            history = app.query_one(NameHistory)
            await until(pilot, lambda: history.split is not None)
            assert history.split.dev == DEV and history.split.test == TEST
            assert session.classify(["ella", "emma"]) == [DEV_TEST, "train"]
            await pilot.press("3", "d")
            trainer = app.query_one(TrainPane)
            await until(pilot, lambda: trainer.setup.split and not trainer._preparing)
            assert trainer.run.dev is session.part_counts(2)["dev"]
            assert trainer.run.dev.words == len(DEV)

    asyncio.run(main())


def test_ngs_files_as_streams_show_ngs_grid_in_evaluate(tmp_path) -> None:
    """NG's README: order 4, k 0.1 wins, test_loss 2.106370."""
    paths = make_ng_files(tmp_path)

    async def main():
        app = BigramApp(
            data=str(paths["train"]), dev=str(paths["val"]), test=str(paths["test"]), stream=True
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            assert app.session.stream
            await pilot.press("5", "g")
            evaluate = app.query_one(EvaluatePane)
            await until(pilot, lambda: evaluate.grid is not None, timeout=60)
            await pilot.pause()
            assert evaluate.grid.test_nll == pytest.approx(2.106370, abs=5e-7)
            grid = text_of(evaluate, "#eval-grid")
            assert "◆ best on dev: 4-gram, k 0.1 · test 2.1064" in grid

    asyncio.run(main())
