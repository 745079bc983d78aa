"""Running the CLI in-process, as the CLI tests do."""

from __future__ import annotations

import pytest

from bigram_tui.tui.cli import main as cli


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `bigram-tui ARGV…`."""
    code = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, err: str) -> str:
    """The single stderr line of a usage error, after checking there is exactly one."""
    assert code == cli.EXIT_USAGE, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    line = err.rstrip("\n")
    assert line.startswith("bigram-tui")
    assert line.isprintable(), repr(line)
    return line
