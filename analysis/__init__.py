"""The Q-method analysis engine: numpy in, numbers out. Imports nothing from ``qsort``.

>>> from analysis import qmethod
>>> result = qmethod(sorts, nfactors=3, extraction="pca", rotation="varimax")   # doctest: +SKIP

The pipeline's steps live in their own modules (correlation, extraction, rotation, flagging, scores,
characteristics, distinguishing; :mod:`analysis.qmethod` ties them together). Viewpoints, archetypes and
segments (:mod:`analysis.viewpoints`), crib sheets and composite grids (:mod:`analysis.cribsheet`), formats,
grids, the number of factors and simulated studies are imported lazily on first use, so ``import analysis``
needs only numpy.

>>> found = result.viewpoints(tags)                  # or analysis.find_viewpoints(result, tags)  # doctest: +SKIP
>>> analysis.crib_sheet(found, "1-"), analysis.composite_grid(found, "1-")                # doctest: +SKIP
"""
from __future__ import annotations

from importlib import import_module

from .qmethod import QResult, qmethod
from .rotation import RotationStep
# Imported eagerly (numpy only, like qmethod): the function shares its module's name, and a lazy export
# would be shadowed by the submodule as soon as anyone imports ``analysis.bootstrap`` directly.
from .bootstrap import BootstrapResult, bootstrap

# name -> module that defines it, imported on first attribute access
_LAZY = {
    "Grid": ".grid",
    "infer_grid": ".grid",
    "quasi_normal_grid": ".grid",
    "read_sorts": ".formats",
    "FormatError": ".formats",
    "parallel_analysis": ".nfactors",
    "suggest_nfactors": ".nfactors",
    "find_viewpoints": ".viewpoints",
    "ViewpointAnalysis": ".viewpoints",
    "ArchetypeRule": ".viewpoints",
    "crib_sheet": ".cribsheet",
    "composite_grid": ".cribsheet",
    "array_distribution": ".distribution",
    "simulate_sorts": ".simulate",
}

__all__ = ["BootstrapResult", "QResult", "RotationStep", "bootstrap", "qmethod", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
