"""Worker threads run below the UI thread, and pane switches do not animate (issue 20.5)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import pytest

from bigram_tui.tui.app.app import BigramApp
from bigram_tui.tui.app.background import BACKGROUND_NICENESS, run_workers_in_background


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread priorities: Linux")
def test_a_worker_thread_runs_below_the_thread_that_answers_keys():
    def niceness_here() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    async def in_a_worker() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        run_workers_in_background(loop)
        return niceness_here(), await loop.run_in_executor(None, niceness_here)

    ui, worker = asyncio.run(in_a_worker())
    assert worker == min(19, ui + BACKGROUND_NICENESS)


def test_pane_switches_do_not_animate_unless_the_user_asks(monkeypatch):
    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    assert BigramApp(data="unused").animation_level == "none"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    assert BigramApp(data="unused").animation_level == "full"
