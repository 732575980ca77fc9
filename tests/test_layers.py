"""The package's layers, as ``pyproject.toml`` writes them down, held (issue 23).

From the bottom: values and errors; model and edition data; rules; facts and engines; decide;
ledger and batch; service, analysis and the command line. import-linter's contract there says that
no module imports a layer above its own. An import placed inside a function would hide such an
import from a reader (and, in the core, dodged a cycle): the core's modules have none.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mutualaid"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

CORE_LAYERS = 5
"""The lowest five layers (values and errors … decide): the core, which holds no function-level import."""


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
                    found.append(f"{path.name}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(a.name.startswith("mutualaid") for a in node.names):
                    found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_core_has_no_function_level_import():
    core = [m for layer in _layers()[-CORE_LAYERS:] for m in layer]
    paths = []
    for name in core:
        rel = name.split(".", 1)[1]
        package = SRC / rel
        paths += sorted(package.rglob("*.py")) if package.is_dir() else [SRC / f"{rel}.py"]
    assert len(paths) > 25
    found = [hit for p in paths for hit in _function_level_imports(p)]
    assert found == [], f"imports inside functions (a hidden edge, or a cycle dodged): {found}"
