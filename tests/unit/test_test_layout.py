"""The tests' own house rule: a test module never imports from another test module (shared helpers live in
tests/factories.py, tests/catalogues.py and the other non-test modules of tests/), so one test file can be read,
moved or deleted without breaking another."""
from __future__ import annotations

import ast

from tests.paths import REPO


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_test_module_imports_another():
    test_files = sorted((REPO / "tests").rglob("test_*.py"))
    assert len(test_files) > 50
    offenders = {}
    for path in test_files:
        modules = sorted(m for m in imported_modules(path) if m.startswith("tests.") and is_test_module(m))
        if modules:
            offenders[str(path.relative_to(REPO))] = modules
    assert offenders == {}


def is_test_module(dotted: str) -> bool:
    return dotted.rsplit(".", 1)[-1].startswith("test_")
