"""The app paints its first frame before torch is imported: none of its modules import it."""

from __future__ import annotations

import pkgutil

import bigram_tui.tui.app as app_package

from ..test_import_hygiene import fresh_import

APP_MODULES = [
    f"bigram_tui.tui.app.{info.name}"
    for info in pkgutil.iter_modules(app_package.__path__)
    if not info.ispkg
]


def test_every_app_module_imports_without_torch():
    assert "bigram_tui.tui.app.registry" in APP_MODULES  # the discovery found the panes' table
    loaded = fresh_import(APP_MODULES)
    assert "textual" in loaded and "bigram_tui" in loaded
    assert "torch" not in loaded and "numpy" not in loaded
