"""The code's layout stays as README's "How the code is laid out" describes it:

- no import circles between narrascope's modules (imports at module level; an import inside a function
  is how a module defers a heavy or optional dependency, and does not make a circle at import time);
- no module imports a ``_private`` name from another package, or reaches into one through a module it
  imported (``store._con``);
- no source file over ~600 lines, except those listed here with the reason;
- tests mirror the package folders, with one conftest.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "narrascope"
MAX_LINES = 620

# file -> why it may be longer
LONG_FILES: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = _package(module, path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _top_level_imports(tree: ast.Module) -> list[ast.stmt]:
    """Imports that run when the module is imported: at module level, in try/if blocks, not under
    ``if TYPE_CHECKING``, not inside functions or classes' methods."""
    found: list[ast.stmt] = []

    def walk(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                found.append(stmt)
            elif isinstance(stmt, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(stmt.test):
                    walk(stmt.body)
                    walk(stmt.orelse)
            elif isinstance(stmt, ast.Try):
                walk(stmt.body)
                for handler in stmt.handlers:
                    walk(handler.body)
                walk(stmt.orelse)
                walk(stmt.finalbody)
            elif isinstance(stmt, ast.ClassDef):
                walk(stmt.body)

    walk(tree.body)
    return found


def _targets(module: str, path: Path, stmt: ast.stmt) -> set[str]:
    """narrascope modules a statement imports (``from pkg import mod`` counts mod when it is a module)."""
    names: set[str] = set()
    if isinstance(stmt, ast.Import):
        names.update(a.name for a in stmt.names)
    else:
        base = _resolve(module, path, stmt)
        names.add(base)
        names.update(f"{base}.{a.name}" for a in stmt.names if f"{base}.{a.name}" in MODULES)
    return {n for n in names if n in MODULES and n != module}


def test_no_import_circles() -> None:
    graph = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for stmt in _top_level_imports(tree):
            graph[module] |= _targets(module, path, stmt)
    circles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not circles, "import circles:\n" + "\n".join(circles)


def test_no_private_names_across_packages() -> None:
    offences = []
    for module, path in MODULES.items():
        own = _package(module, path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}  # local name -> narrascope module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, path, node)
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in MODULES:
                        aliases[alias.asname or alias.name] = full
                    elif alias.name.startswith("_") and not alias.name.startswith("__") and source in MODULES \
                            and _package(source, MODULES[source]) != own and source != own:
                        offences.append(f"{module}: from {source} import {alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in MODULES and alias.asname:
                        aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr.startswith("_") and not node.attr.startswith("__"):
                target = aliases[node.value.id]
                if _package(target, MODULES[target]) != own and target != own:
                    offences.append(f"{module}: {node.value.id}.{node.attr} ({target})")
    assert not offences, "private names used across packages:\n" + "\n".join(sorted(set(offences)))


def test_no_source_file_is_too_long() -> None:
    long = {}
    for path in sorted(SRC.rglob("*.py")):
        n = sum(1 for _ in path.open(encoding="utf-8"))
        rel = path.relative_to(SRC).as_posix()
        if n > MAX_LINES and rel not in LONG_FILES:
            long[rel] = n
    assert not long, f"files over {MAX_LINES} lines (split them, or list them in LONG_FILES with the reason): {long}"
    for rel in LONG_FILES:
        assert (SRC / rel).exists(), f"LONG_FILES lists {rel}, which is gone"


def test_tests_mirror_the_package_folders() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    test_dirs = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith((".", "_"))}
    assert test_dirs <= packages, f"test folders with no package of that name: {test_dirs - packages}"
    for folder in test_dirs:
        for test in (ROOT / "tests" / folder).glob("test_*.py"):
            assert test.name.count("_") >= 1


def test_one_conftest() -> None:
    # Tests import shared paths with ``from conftest import SHARED``; pytest puts each test folder first on
    # sys.path, so a second conftest.py in a subfolder would shadow the top one for every module collected
    # after it (CI once failed this way). Shared fixtures live in plain modules (tests/toy_datasets.py).
    extra = [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("conftest.py") if p.parent != ROOT / "tests"]
    assert not extra, f"conftest.py outside tests/: {extra}"
