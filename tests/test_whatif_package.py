"""Issue 23: whatif is a package whose docstring names each of its modules, and whose API is what it was.

Where the analysis modules may import (at their top; an extra inside a function, naming it) is held
for the whole package by ``tests/test_layers.py``.
"""

from __future__ import annotations

from pathlib import Path

import mutualaid.whatif

SRC = Path(__file__).resolve().parent.parent / "src" / "mutualaid"


def test_whatif_is_a_package_whose_docstring_names_each_module():
    modules = sorted(p.stem for p in (SRC / "whatif").glob("*.py") if p.stem != "__init__")
    doc = mutualaid.whatif.__doc__ or ""
    assert len(modules) >= 5
    assert [m for m in modules if f":mod:`.{m}`" not in doc] == []
    assert mutualaid.whatif.__all__ == ["compare", "sweep", "Comparison", "Change", "diff", "causes", "Totals"]
    assert all(callable(getattr(mutualaid.whatif, name)) for name in mutualaid.whatif.__all__)
