"""core is headless (no module of it loads textual or rich); what loads before torch is torch-free.

Each check runs in a fresh interpreter, because this test process has imported everything.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

EXPECTED_CORE_MODULES = {
    "vocab", "counts", "model", "scoring", "neural", "sampling", "rng", "params", "session",
}  # fmt: skip
# Every module imported before torch loads: the app paints its first frame with these, and
# `bigram-tui --help` answers with them (core/__init__ promises vocab too). Importing the
# session module is torch-free; its methods import torch when they run.
TORCH_FREE_MODULES = [
    "bigram_tui.core.defaults",
    "bigram_tui.core.params",
    "bigram_tui.core.errors",
    "bigram_tui.core.display",
    "bigram_tui.core.files",
    "bigram_tui.core.data",
    "bigram_tui.core.dataset",
    "bigram_tui.core.vocab",
    "bigram_tui.core.session",
    "bigram_tui.tui.cli",
    "bigram_tui.tui.cli.main",
    "bigram_tui.tui.cli.parser",
    "bigram_tui.tui.cli.errors",
    "bigram_tui.tui.cli.common",
    "bigram_tui.tui.cli.stats",
    "bigram_tui.tui.cli.score",
    "bigram_tui.tui.cli.sample",
    "bigram_tui.tui.cli.train",
    "bigram_tui.tui.cli.tune",
    "bigram_tui.tui.cli.output",
]


def core_modules() -> list[str]:
    import bigram_tui.core

    return sorted(
        info.name for info in pkgutil.iter_modules(bigram_tui.core.__path__) if not info.ispkg
    )


def fresh_import(modules: list[str]) -> set[str]:
    """Import `modules` in a new interpreter and return the top-level packages it loaded."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_discovery_finds_the_core_modules():
    assert set(core_modules()) >= EXPECTED_CORE_MODULES


def test_core_never_imports_textual_or_rich():
    modules = ["bigram_tui.core", *(f"bigram_tui.core.{m}" for m in core_modules())]
    loaded = fresh_import(modules)
    assert "torch" in loaded  # the check really imported the torch-using modules
    assert "bigram_tui" in loaded
    assert "textual" not in loaded
    assert "rich" not in loaded


@pytest.mark.parametrize("module", TORCH_FREE_MODULES)
def test_modules_needed_before_torch_do_not_import_it(module):
    loaded = fresh_import([module])
    assert "bigram_tui" in loaded  # the module itself was imported
    assert "torch" not in loaded
    assert "numpy" not in loaded
    assert "textual" not in loaded
