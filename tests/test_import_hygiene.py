"""core is headless: no module of it pulls in textual or rich, and the data path needs no torch.

Each check runs in a fresh interpreter, because this test process has imported everything.
"""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys

import pytest

EXPECTED_CORE_MODULES = {"vocab", "counts", "model", "scoring", "neural", "sampling", "rng"}
# Modules the app imports before torch has loaded (core/__init__ promises vocab too).
TORCH_FREE_MODULES = ["data", "dataset", "vocab"]


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
def test_data_path_does_not_import_torch(module):
    name = f"bigram_tui.core.{module}"
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} does not exist yet")
    loaded = fresh_import([name])
    assert "torch" not in loaded
    assert "numpy" not in loaded
    assert "textual" not in loaded
