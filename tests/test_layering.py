"""The layering of DESIGN.md: core and formats import neither torch nor Qt.

Checked two ways: statically (no import statement names them) and at run time (importing
every core/formats module in a fresh interpreter pulls in neither).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sticker_studio"
FORBIDDEN = ("torch", "PySide6", "diffusers", "transformers", "shiboken6")
PURE_PACKAGES = ("core", "formats")


def _modules(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("sub", PURE_PACKAGES)
def test_pure_packages_do_not_import_torch_or_qt(sub: str) -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imported_roots(p) & set(FORBIDDEN)) for p in _modules(sub)
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def _upward_imports(path: Path) -> set[str]:
    """sticker_studio subpackages a module imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "sticker_studio" and len(parts) > 1:
                out.add(parts[1])
    return out


@pytest.mark.parametrize(
    ("sub", "allowed"),
    [
        ("core", {"core", "paths"}),
        ("formats", {"core", "formats", "paths"}),
        ("engine", {"core", "formats", "engine", "paths"}),
        ("training", {"core", "formats", "engine", "training", "paths"}),
        ("ui", {"core", "formats", "engine", "ui", "paths"}),
    ],
)
def test_arrows_point_one_way(sub: str, allowed: set[str]) -> None:
    bad = {
        str(p.relative_to(PACKAGE)): sorted(_upward_imports(p) - allowed) for p in _modules(sub)
    }
    bad = {k: v for k, v in bad.items() if v}
    assert bad == {}


def test_importing_core_and_formats_loads_no_heavy_framework() -> None:
    modules = [
        "sticker_studio." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for sub in PURE_PACKAGES
        for p in _modules(sub)
        if p.name != "__main__.py"
    ]
    modules = [m[: -len(".__init__")] if m.endswith(".__init__") else m for m in modules]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_ui_never_imports_the_cli() -> None:
    """The CLI opens the app (cli/cmd_gui.py -> ui.app.run_gui); no arrow points back up."""
    bad = sorted(str(p.relative_to(PACKAGE)) for p in _modules("ui") if "cli" in _upward_imports(p))
    assert bad == []
