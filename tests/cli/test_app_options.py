"""The app's own options reach it: --order, --load, --screenshots (and serve passes them on)."""

from __future__ import annotations

import shlex

import pytest

from bigram_tui.tui.cli import main as cli
from bigram_tui.tui.cli import serve
from bigram_tui.tui.cli.parser import parse


def test_the_app_options_reach_run_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import bigram_tui.tui.app.app as app_module

    received: dict[str, object] = {}
    monkeypatch.setattr(app_module, "run_app", lambda **options: received.update(options) or 0)
    status = cli.main(["--order", "3", "--load", "m.pt", "--screenshots", "shots", "--seed", "7"])
    assert status == 0
    assert received["order"] == 3 and received["load"] == "m.pt"
    assert received["screenshots"] == "shots" and received["seed"] == 7


def test_without_options_the_app_starts_at_the_bigram(monkeypatch: pytest.MonkeyPatch) -> None:
    import bigram_tui.tui.app.app as app_module

    received: dict[str, object] = {}
    monkeypatch.setattr(app_module, "run_app", lambda **options: received.update(options) or 0)
    assert cli.main([]) == 0
    assert received["order"] == 2 and received["load"] is None and received["screenshots"] is None


def test_serve_passes_the_order_and_the_model_on(tmp_path) -> None:
    args = parse(["--order", "4", "--load", str(tmp_path / "m.pt"), "serve"])
    argv = shlex.split(serve.app_command(args))
    assert argv[argv.index("--order") + 1] == "4"
    assert argv[argv.index("--load") + 1] == str(tmp_path / "m.pt")
