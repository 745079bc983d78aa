"""`tune` on a terminal shows the λ sweep's progress and time, then leaves only the report."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_the_sweep_shows_progress_and_time_on_a_terminal_and_erases_it(names_path) -> None:
    controller, terminal = os.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bigram_tui.tui.cli.main", "tune", "--data", str(names_path),
             "--order", "1", "--split", "80/10/10"],
            stdout=subprocess.PIPE, stderr=terminal, timeout=300,
        )  # fmt: skip
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert result.returncode == 0
    text = shown.decode()
    assert "λ sweep: 1/20 nets trained to convergence" in text
    assert "so far" in text and "left" in text
    assert text.endswith("\r\x1b[K")  # erased: only the report remains
    assert "so far" not in result.stdout.decode()  # the report alone on stdout


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_without_a_terminal_nothing_but_the_report(names_path, json_flag) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bigram_tui.tui.cli.main", "tune", "--data", str(names_path),
         "--order", "1", "--split", "80/10/10", *json_flag],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
