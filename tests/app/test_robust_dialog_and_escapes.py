"""Two enters in one read in the model-path dialog; key escapes that cannot be parsed; a crash
that does happen exits 1 with one line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Input

from bigram_tui.tui.app import app as app_module
from bigram_tui.tui.app.app import BigramApp, run_app
from bigram_tui.tui.app.train_fields import ModelPathScreen
from tests.bench.pty_terminal import PtyTerminal

from .helpers import run_on_pane, until
from .test_escape_keys import READY, app_command, word_row


@pytest.mark.parametrize("verb", ["w", "l"], ids=["save", "load"])
def test_two_enters_in_one_read_answer_the_dialog_once(names_path: Path, tmp_path, verb) -> None:
    """Both Submitted messages queued before the first dismiss: one answer, no ScreenStackError."""
    path = str(tmp_path / "m.pt")

    async def scenario(app, pilot, pane) -> None:
        await pilot.press(verb)
        await until(pilot, lambda: isinstance(app.screen, ModelPathScreen))
        dialog = app.screen
        field = dialog.query_one("#model-path", Input)
        field.value = path
        answers = []
        dialog.dismiss = lambda result=None: (
            answers.append(result)
            or type(  # type: ignore
                dialog
            ).dismiss(dialog, result)
        )
        field.post_message(Input.Submitted(field, path))
        field.post_message(Input.Submitted(field, path))
        await until(pilot, lambda: not isinstance(app.screen, ModelPathScreen))
        await pilot.pause(0.2)
        assert answers == [path]
        assert app.is_running and len(app.screen_stack) == 1

    run_on_pane(names_path, "3", scenario)


OVERLONG = [b"\x1b[1114112u", b"\x1b[999999999999u", b"\x1b[999999999999;1H", b"\x1b[5;1114112u"]


def test_overlong_key_escapes_are_dropped_and_the_app_goes_on(names_path: Path) -> None:
    """Each sequence, alone and in a burst with keys: nothing typed, the app answers, q → 0."""
    with PtyTerminal(app_command(names_path), cols=120, rows=40) as term:
        assert term.wait_for_text(READY, 60) is not None, "the model never loaded"
        term.press("2")
        assert term.wait_for_text("surprise", 5) is not None
        term.press("e")
        term.drain(0.3)
        for sequence in OVERLONG:
            os.write(term.fd, sequence)
            term.drain(0.3)
        os.write(term.fd, b"ab" + b"".join(OVERLONG) + b"c")
        term.drain(0.5)
        assert term.wait_until(lambda: " abc " in word_row(term) + " ", 5) is not None, word_row(
            term
        )
        term.press("\x1b")
        term.drain(0.3)
    # Leaving the block pressed q (SIGTERM only had it not quit within 3 s).
    assert term.exit_status is not None
    assert os.waitstatus_to_exitcode(term.exit_status) == 0
    assert b"Traceback" not in bytes(term.raw)


def test_a_crash_exits_1_with_one_line(monkeypatch, capsys) -> None:
    """Textual's panic (an input thread's error, say) leaves the return code unset: still 1."""

    def crashing_run(self: BigramApp, **_options) -> None:
        self._exit_renderables.append("Traceback (most recent call last): ...")
        self._print_error_renderables()

    monkeypatch.setattr(app_module, "refuse_without_terminal", lambda: None)
    monkeypatch.setattr(app_module.exit_guard, "install", lambda _exit: None)
    monkeypatch.setattr(app_module.exit_guard, "remember_terminal", lambda: None)
    monkeypatch.setattr(BigramApp, "run", crashing_run)
    monkeypatch.delenv("BIGRAM_TUI_DEBUG", raising=False)
    status = run_app(data=None, seed=1, mouse=False, truecolor=False)
    err = capsys.readouterr().err
    assert status == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "internal error" in err, err
