"""The runnable examples in the analysis core's docstrings run and give what they show."""
import doctest
import importlib

import pytest

MODULES = ["analysis", "analysis.correlation", "analysis.extraction", "analysis.rotation", "analysis.flagging",
           "analysis.scores", "analysis.characteristics", "analysis.distinguishing", "analysis.qmethod",
           "analysis.distribution", "analysis.viewpoints", "analysis.cribsheet",
           "analysis.simulate", "analysis.report", "analysis.formats", "analysis.formats.source",
           "analysis.formats.archive", "analysis.formats.matrix_csv", "analysis.formats.statements",
           "analysis.formats.encoding", "analysis.formats.websort_csv"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    if name == "analysis.qmethod":             # the package re-exports the function under the module's name
        import sys
        module = sys.modules[name]
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    if name != "analysis":
        assert result.attempted > 0


def test_import_analysis_is_light():
    import subprocess
    import sys

    code = ("import sys, analysis; heavy = [m for m in ('scipy', 'pandas', 'sklearn', 'factor_analyzer') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_analysis_never_imports_qsort():
    """The engine is a library a researcher uses from a notebook: no module under analysis/ imports the web app."""
    import ast
    from pathlib import Path

    root = Path(importlib.import_module("analysis").__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.relative_to(root)}:{node.lineno}" for name in names
                          if name == "qsort" or name.startswith("qsort.")]
    assert len(list(root.rglob("*.py"))) > 20 and offenders == []
