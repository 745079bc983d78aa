"""The import contract, read from the source: core ← cli, core ← app, and nothing else.

Every `import` and `from … import` counts, at module level or inside a function, so a
lazy import cannot slip past. Relative imports are resolved to their absolute names.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The source tree's folders and the installed names they become (see pyproject.toml).
PACKAGES = {"core": "bigram_tui.core", "tui": "bigram_tui.tui"}


def module_name(path: Path, root: Path = ROOT) -> str:
    relative = path.relative_to(root).with_suffix("")
    parts = [PACKAGES[relative.parts[0]], *relative.parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT) -> list[tuple[str, int, bool]]:
    """(absolute module imported, line, at module level) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import sub` may import the submodule pkg.sub: count both.
            found.append((base, node.lineno, id(node) in top_level))
            found += [(f"{base}.{a.name}", node.lineno, id(node) in top_level) for a in node.names]
    return found


def sources(folder: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / folder).rglob("*.py"))


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") or name.startswith(p + "_") for p in prefixes)


def violations(
    folder: str, *forbidden: str, allowed: tuple[str, ...] = (), root: Path = ROOT
) -> list[str]:
    return [
        f"{path.relative_to(root)}:{line} imports {name}"
        for path in sources(folder, root)
        for name, line, _ in imports_of(path, root)
        if within(name, *forbidden) and not within(name, *allowed)
    ]


def test_the_sources_are_found() -> None:
    assert len(sources("core")) >= 10 and len(sources("tui/cli")) >= 4
    names = {name for path in sources("tui/cli") for name, _, _ in imports_of(path)}
    assert "bigram_tui.core.params" in names  # relative and absolute imports both resolve


def test_core_imports_neither_the_front_ends_nor_textual() -> None:
    assert violations("core", "bigram_tui.tui", "textual", "rich") == []


def test_the_cli_never_imports_textual() -> None:
    # `serve` runs textual-serve, a web server (aiohttp) that starts each tab's app as a
    # process; it never loads textual itself (checked below).
    assert violations("tui/cli", "textual", "rich", allowed=("textual_serve",)) == []


def test_textual_serve_loads_no_textual() -> None:
    code = (
        "import sys, textual_serve.server; "
        "print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_cli_starts_the_app_only_lazily() -> None:
    eager = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources("tui/cli")
        for name, line, top in imports_of(path)
        if top and within(name, "bigram_tui.tui.app")
    ]
    assert eager == []


# The one door (issue 16): what a front end may import from core. The session re-exports
# the torch-free pieces the front ends need, and names its result types for annotations.
FRONT_END_CORE = tuple(
    f"bigram_tui.core.{name}" for name in ("session", "params", "defaults", "display", "errors")
)


def core_imports_outside_the_door(folder: str, root: Path = ROOT) -> list[str]:
    """Imports of a core module other than FRONT_END_CORE, even under TYPE_CHECKING."""
    return [
        f"{path.relative_to(root)}:{line} imports {name}"
        for path in sources(folder, root)
        for name, line, _ in imports_of(path, root)
        if within(name, "bigram_tui.core")
        and name != "bigram_tui.core"
        and not any(name == allowed or name.startswith(allowed + ".") for allowed in FRONT_END_CORE)
    ]


@pytest.mark.parametrize("folder", ["tui/cli", "tui/app"])
def test_the_front_ends_use_core_only_through_the_session(folder: str) -> None:
    assert core_imports_outside_the_door(folder) == []


@pytest.mark.parametrize(
    "source",
    [
        "from bigram_tui.core.model import NgramModel\n",
        "from bigram_tui.core import sampling\n",
        "def f():\n    from bigram_tui.core.counts import NgramCounts\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ...core.scoring import x\n",
    ],
)
def test_a_planted_import_behind_the_door_is_reported(tmp_path, source):
    (tmp_path / "tui" / "app").mkdir(parents=True)
    (tmp_path / "tui" / "app" / "planted.py").write_text(source, encoding="utf-8")
    (tmp_path / "tui" / "app" / "fine.py").write_text(
        "from bigram_tui.core.session import Session\nfrom ...core import params\n",
        encoding="utf-8",
    )
    found = core_imports_outside_the_door("tui/app", root=tmp_path)
    assert found and all("tui/app/planted.py" in line for line in found), found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from ..tui import app\n", "bigram_tui.tui.app"),
        ("def f():\n    import textual.app\n", "textual.app"),
        ("from textual_plotext import PlotextPlot\n", "textual_plotext"),
    ],
)
def test_the_checker_sees_relative_lazy_and_underscored_imports(tmp_path, source, expected):
    """The checker itself: a planted import of each kind, in a copy of the layout, is reported."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "planted.py").write_text(source, encoding="utf-8")
    found = violations("core", "bigram_tui.tui", "textual", root=tmp_path)
    assert any(expected in line for line in found), found
