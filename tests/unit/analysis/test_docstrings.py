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
