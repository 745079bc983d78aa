"""Saving and loading the trained net from the Train pane: keys w and l, a path prompt, and
the core's checks and messages for a path or file it refuses."""

from __future__ import annotations

import os

import pytest
from textual.widgets import Input

from bigram_tui.core.persist import load_model
from bigram_tui.tui.app.train_fields import DEFAULT_MODEL_PATH, ModelPathScreen
from bigram_tui.tui.app.train_pane import FINISHED, TrainPane

from .helpers import drive_pane, text_of, until


@pytest.fixture
def session(names_path):
    # Each test gets its own: loading a file replaces the session's run.
    from bigram_tui.core.session import Session

    return Session.load(names_path, notebook_sum=False)


def notices(pane) -> list[str]:
    return [notification.message for notification in pane.app._notifications]


async def answer_prompt(pilot, path: str) -> None:
    """Replace the prompt's path with `path` and press enter."""
    await until(pilot, lambda: isinstance(pilot.app.screen, ModelPathScreen))
    field = pilot.app.screen.query_one("#model-path", Input)
    assert field.value in (DEFAULT_MODEL_PATH, path) or field.value.endswith(".pt")
    field.value = path
    await pilot.press("enter")
    await pilot.pause()


def test_w_saves_through_the_prompt_and_l_loads_it_back(session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "net.pt"

    async def scenario(pilot, pane):
        await pilot.press("n", "n", "n")
        trained = list(session.run().losses)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(pilot.app.screen, ModelPathScreen))
        assert pilot.app.screen.query_one("#model-path", Input).value == DEFAULT_MODEL_PATH
        await answer_prompt(pilot, str(target))
        saved = load_model(target, session.vocab)
        assert list(saved.losses) == trained
        assert any("saved 3 epochs" in note for note in notices(pane))

        await pilot.press("r", "n")  # another W: one epoch from the seed
        assert session.run().epoch == 1
        await pilot.press("l")
        await answer_prompt(pilot, str(target))
        assert session.run().losses == trained  # the session's run is the file's
        assert pane.run is session.run(2)
        assert "epoch 3/500" in text_of(pane, "#train-status")
        await pilot.press("n")  # and training goes on from it
        assert session.run().epoch == 4

    drive_pane(TrainPane(id="train"), session, scenario)


def test_load_shows_the_files_lr_and_lambda_in_the_fields(session, tmp_path):
    target = tmp_path / "lr10.pt"

    async def scenario(pilot, pane):
        pane.query_one("#train-lr", Input).value = "10"
        pane.query_one("#train-reg", Input).value = "0.01"
        await pilot.pause()
        await pilot.press("n", "n")
        pane.save_to(str(target))
        pane.query_one("#train-lr", Input).value = "50"
        pane.query_one("#train-reg", Input).value = "0"
        await pilot.press("r")
        pane.load_from(str(target))
        await pilot.pause()
        assert pane.query_one("#train-lr", Input).value == "10"
        assert pane.query_one("#train-reg", Input).value == "0.01"
        assert (session.run().lr, session.run().reg) == (10.0, 0.01)

    drive_pane(TrainPane(id="train"), session, scenario)


def test_a_bad_file_keeps_the_current_model_and_says_why(session, tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model at all")

    async def scenario(pilot, pane):
        await pilot.press("n", "n")
        before = session.run()
        pane.load_from(str(junk))
        await pilot.pause()
        assert session.run() is before and pane.run is before
        assert session.run().epoch == 2
        assert any("is not a bigram-tui model file" in note for note in notices(pane))
        pane.load_from(str(tmp_path / "missing.pt"))
        await pilot.pause()
        assert any("no such model file" in note for note in notices(pane))
        assert session.run() is before

    drive_pane(TrainPane(id="train"), session, scenario)


def test_save_refuses_the_data_file_and_a_fifo(session, tmp_path, names_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data_before = names_path.read_bytes()

    async def scenario(pilot, pane):
        await pilot.press("n")
        pane.save_to(str(names_path))
        await pilot.pause()
        assert any("it is the data file being read" in note for note in notices(pane))
        pane.save_to(str(fifo))
        await pilot.pause()
        assert any("FIFO" in note for note in notices(pane))
        assert fifo.is_fifo()
        assert names_path.read_bytes() == data_before

    drive_pane(TrainPane(id="train"), session, scenario)


def test_escape_cancels_the_prompt(session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def scenario(pilot, pane):
        await pilot.press("n", "w")
        await until(pilot, lambda: isinstance(pilot.app.screen, ModelPathScreen))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ModelPathScreen)
        assert not (tmp_path / DEFAULT_MODEL_PATH).exists()

    drive_pane(TrainPane(id="train"), session, scenario)


def test_load_at_start_before_the_model_is_ready(session, tmp_path):
    from bigram_tui.core.persist import save_model

    target = tmp_path / "start.pt"
    session.run().lr = 50.0
    session.run().run(5)
    save_model(target, session.run())
    session.run().reset()

    pane = TrainPane(id="train")
    pane.load_at_start(str(target))  # before attach: remembered

    async def scenario(pilot, pane):
        await pilot.pause()
        assert session.run().epoch == 5
        assert "epoch 5/500" in text_of(pane, "#train-status")

    drive_pane(pane, session, scenario)


def test_a_loaded_run_past_the_epochs_field_is_finished(session, tmp_path):
    target = tmp_path / "long.pt"

    async def scenario(pilot, pane):
        pane.query_one("#train-epochs", Input).value = "4"
        await pilot.pause()
        await pilot.press("n", "n", "n", "n")
        pane.save_to(str(target))
        await pilot.press("r")
        pane.load_from(str(target))
        await pilot.pause()
        assert pane.state == FINISHED

    drive_pane(TrainPane(id="train"), session, scenario)


def test_the_app_loads_a_model_given_at_start(names_path, tmp_path):
    """`bigram-tui --load PATH` reaches the Train pane, however late it mounts."""
    import asyncio

    from bigram_tui.core.counts import NgramCounts
    from bigram_tui.core.neural import TrainingRun
    from bigram_tui.core.persist import save_model
    from bigram_tui.tui.app.app import BigramApp

    from .helpers import until, wait_until_loaded

    run = TrainingRun(NgramCounts.from_words(names_path.read_text().splitlines(), 2))
    run.run(7)
    target = tmp_path / "seven.pt"
    save_model(target, run)

    async def main():
        app = BigramApp(data=str(names_path), load=str(target))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until_loaded(pilot)
            await until(pilot, lambda: app.session is not None and app.session.run().epoch == 7)

    asyncio.run(main())
