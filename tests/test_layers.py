"""The package's layers, as ``pyproject.toml`` writes them down, held (issue 23).

From the bottom: values and errors; model and edition data; rules; facts and engines; decide;
ledger and batch; service, analysis and the command line. import-linter's contract there says that
no module imports a layer above its own. An import placed inside a function would hide such an
import from a reader (and, in the core, dodged a cycle): no module has one, but for those still
being reworked (:data:`PENDING`).
"""

from __future__ import annotations

import ast
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib  # type: ignore[no-redef]

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mutualaid"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

PENDING = ("cli.py", "distributed.py", "frame.py", "spill.py", "whatif.py", "batch", "ledger", "server", "vector")
"""Modules still holding imports inside functions, under rework by others when issue 23's core work
landed (``spill`` and ``ledger`` import each other so, ``cli`` and ``server`` too). The list only
shrinks: empty, the test holds the whole package."""


def _layers() -> list[list[str]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return [[m.strip() for m in layer.split(":")] for layer in contract["layers"]]


def test_no_import_runs_up_a_layer():
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is in the dev extra")
    status = cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True)
    assert status == 0, "an import runs up a layer: run lint-imports to see which"


def test_every_module_is_in_a_layer():
    """A new module must be placed in a layer, or the contract would not hold it."""
    named = {m for layer in _layers() for m in layer}
    for path in SRC.iterdir():
        if path.name.startswith("_") and path.name != "__main__.py" or path.name in ("editions", "py.typed"):
            continue
        name = "mutualaid." + (path.stem if path.suffix == ".py" else path.name)
        if path.is_dir() and not (path / "__init__.py").exists():
            continue
        assert name in named, f"{name} is in no layer of pyproject.toml's import-linter contract"


def _function_level_imports(path: Path) -> list[str]:
    """Imports of the package's own modules inside a function or method of ``path``."""
    found = []
    for fn in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("mutualaid")):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("mutualaid") for a in node.names):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def test_no_import_is_placed_inside_a_function():
    """Every module outside :data:`PENDING` imports the package's modules at its top only."""
    paths = [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] not in PENDING]
    assert len(paths) > 45
    found = [hit for p in paths for hit in _function_level_imports(p)]
    assert found == [], f"imports inside functions (a hidden edge, or a cycle dodged): {found}"


def test_the_pending_modules_still_need_it():
    """A pending module that no longer imports inside a function leaves the list."""
    for name in PENDING:
        path = SRC / name
        paths = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        assert any(_function_level_imports(p) for p in paths), f"{name} is clean: take it out of PENDING"
