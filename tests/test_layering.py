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


def _module_graph() -> dict[str, set[str]]:
    """Module -> the sticker_studio modules it imports anywhere (lazy imports count; type-only do not)."""
    mods = {}
    for p in PACKAGE.rglob("*.py"):
        parts = p.relative_to(PACKAGE.parent).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p

    def owner(name: str) -> str:
        while name not in mods and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                     and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        deps: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            if isinstance(node, ast.Import):
                deps |= {owner(a.name) for a in node.names if a.name.startswith("sticker_studio.")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                module = node.module
                if not module.startswith("sticker_studio."):
                    continue
                deps |= {f"{module}.{a.name}" if f"{module}.{a.name}" in mods else owner(module) for a in node.names}
        # a package's __init__ runs before its modules: an edge to a parent package is no circle
        graph[name] = {d for d in deps if d != name and not name.startswith(d + ".")}
    return graph


def test_no_import_circle_between_modules() -> None:
    graph = _module_graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                circles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert circles == []
