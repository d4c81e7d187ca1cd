"""The package's shape (issue 8): no import circle, at most 8 modules loose at the top of
src/kpis/, no file over 600 lines, no function over 100 lines, no re-export shims."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "kpis"


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """kpis modules imported by one module (at any depth: lazy imports count too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found |= {n for n in names if n in known and n != name}
    return found


def test_no_import_circle() -> None:
    mods = _modules()
    graph = {m: _imports(m, p, set(mods)) for m, p in mods.items()}
    # a package's __init__ importing nothing, edges to a package name are not module edges
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in graph[m]:
            if state.get(n) == 1:
                raise AssertionError("import circle: " + " -> ".join(stack[stack.index(n):]
                                                                   + [n]))
            if n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m)


def test_few_modules_loose_at_the_top() -> None:
    loose = sorted(p.name for p in PKG.glob("*.py"))
    assert len(loose) <= 8, loose


def test_no_long_files_or_functions() -> None:
    for p in PKG.rglob("*.py"):
        text = p.read_text()
        assert len(text.splitlines()) <= 600, p
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                assert n <= 100, f"{p.relative_to(PKG)}: {node.name} is {n} lines"


def test_no_old_module_left_behind() -> None:
    """The old flat modules are gone (no re-export shims)."""
    for old in ("io", "cells", "clean", "schemas", "distance", "findings", "plots", "report",
                "kernel", "synth.py", "engine", "compute", "compare", "records.py", "workdays"):
        name = old if old.endswith(".py") else f"{old}.py"
        assert not (PKG / name).exists(), name
    assert not (PKG / "readers").exists() and not (PKG / "indicators").exists()
