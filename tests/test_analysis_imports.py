"""Issue 23: the analysis modules import what they use at their top; only an optional extra is imported lazily.

Read from the sources (nothing is imported), so it costs milliseconds. The modules are the top
layer's analysis: ``whatif/``, ``vector/``, ``frame.py``, ``distributed.py``, ``plotting.py``. An
import inside a function is allowed only for an extra, and says which on its line; a module of the
library imported there must be one whose own top needs an extra (``tests/test_extras.py`` holds that
importing each without it names the extra). Anything else inside a function would be an import put
there to dodge a cycle.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

import mutualaid.whatif

SRC = Path(__file__).resolve().parent.parent / "src" / "mutualaid"
ANALYSIS = sorted([*(SRC / "whatif").glob("*.py"), *(SRC / "vector").glob("*.py"), SRC / "frame.py", SRC / "distributed.py", SRC / "plotting.py"])
EXTRAS = {"polars", "pandas", "pyarrow", "numpy", "matplotlib", "dask", "distributed"}
"""Third-party packages of the extras ``polars``, ``frame``, ``notebook`` and ``dask``."""
EXTRA_MODULES = ("mutualaid.frame", "mutualaid.vector")
"""Library modules whose top imports an extra (pandas and pyarrow; polars)."""


def _package_of(path: Path) -> str:
    """The package a module's relative imports start from (``mutualaid.whatif`` for ``whatif/run.py``)."""
    return ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])


def _imported(node: ast.AST, path: Path) -> list[str]:
    """The absolute names an import statement brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    if not node.level:
        return [node.module or ""]
    base = _package_of(path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return [".".join([*base, node.module] if node.module else base)]


@lru_cache(maxsize=None)
def _lazy_imports(path: Path) -> tuple[tuple[int, str, str], ...]:
    """(line, imported name, the line's text) of every import inside a function of ``path``."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.extend((child.lineno, name, lines[child.lineno - 1]) for name in _imported(child, path))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(text), False)
    return tuple(sorted(set(found)))


def test_an_import_inside_a_function_is_an_extra_and_says_which():
    bad = []
    for path in ANALYSIS:
        for line, name, text in _lazy_imports(path):
            where = f"{path.relative_to(SRC.parent)}:{line} {name}"
            if name.startswith("mutualaid"):
                if not name.startswith(EXTRA_MODULES):
                    bad.append(f"{where}: a module of the library with no extra, imported inside a function")
            elif name.split(".")[0] not in EXTRAS:
                bad.append(f"{where}: not an extra's package, imported inside a function")
            if "# " not in text or "extra" not in text.split("#", 1)[1]:
                bad.append(f"{where}: no comment naming its extra")
    assert not bad, "\n".join(bad)


def test_the_scan_sees_the_lazy_imports_there_are():
    """The rule above reads something: the polars doors of whatif and frame are imported lazily."""
    names = {name for path in ANALYSIS for _, name, _ in _lazy_imports(path)}
    assert {"mutualaid.vector.compare", "mutualaid.vector.run", "mutualaid.frame", "matplotlib.ticker"} <= names


def test_whatif_is_a_package_whose_docstring_names_each_module():
    modules = sorted(p.stem for p in (SRC / "whatif").glob("*.py") if p.stem != "__init__")
    doc = mutualaid.whatif.__doc__ or ""
    assert len(modules) >= 5
    assert [m for m in modules if f":mod:`.{m}`" not in doc] == []
    assert mutualaid.whatif.__all__ == ["compare", "sweep", "Comparison", "Change", "diff", "causes", "Totals"]
    assert all(callable(getattr(mutualaid.whatif, name)) for name in mutualaid.whatif.__all__)
