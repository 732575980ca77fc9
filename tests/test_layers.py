"""The package's layers, as ``pyproject.toml`` writes them down, held; and where imports may sit (issue 23).

From the bottom: values and errors; model and edition data; rules; facts and engines; decide;
ledger and batch; service, analysis and the command line. import-linter's contract there says that
no module imports a layer above its own.

An import placed inside a function would hide such an import from a reader, and could dodge a
cycle, so every module imports what it uses at its top. The one exception is an optional part: an
extra's package (or a module of the library whose own top needs one) is imported where it is
used, and the line's comment names the extra; :data:`FIRST_USE` lists the base install's own
packages that the docs promise load on first use only. The rule is read from the sources (nothing
is imported), for the whole package.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own TOML reader
    import tomli as tomllib  # type: ignore[no-redef]

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mutualaid"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"

EXTRA_PACKAGES = {
    "frame": {"pandas", "pyarrow", "numpy"},  # pandas brings numpy
    "polars": {"polars"},
    "notebook": {"matplotlib"},
    "dask": {"dask", "distributed"},
    "db": {"sqlalchemy", "alembic"},
    "server": {"fastapi", "uvicorn", "starlette", "fastapi_offline"},
    "durable": {"durable"},
    "testing": {"hypothesis"},
}
"""Each extra of ``pyproject.toml`` and the packages it brings, by the names they are imported under."""

EXTRA_MODULES = {
    "mutualaid.frame": "frame",
    "mutualaid.vector": "polars",
    "mutualaid.ledger.sql": "db",
    "mutualaid.server": "server",
}
"""Modules of the library whose own top imports an extra (``tests/test_extras.py`` holds that
importing each without it names the extra)."""

FIRST_USE = {
    "rich": "rich",  # the library never imports it: tests/test_rich.py (issue 15)
    "chinese_calendar": "chinesecalendar",  # the holiday calendar: docs/api.md
}
"""Packages of the base install (import name: distribution) loaded on first use, as docs/api.md
promises; their line says ``first use``."""


def _config() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def _layers() -> list[list[str]]:
    (contract,) = _config()["tool"]["importlinter"]["contracts"]
    return [[m.strip() for m in layer.split(":")] for layer in contract["layers"]]


def test_no_import_runs_up_a_layer():
    cli = pytest.importorskip("importlinter.cli", reason="import-linter is in the dev extra")
    status = cli.lint_imports(config_filename=str(PYPROJECT), no_cache=True)
    assert status == 0, "an import runs up a layer: run lint-imports to see which"


def test_the_contract_ignores_no_import():
    (contract,) = _config()["tool"]["importlinter"]["contracts"]
    assert "ignore_imports" not in contract


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
    """(line, imported name, the line's comment) of every import inside a function of ``path``."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                comment = lines[child.lineno - 1].partition("#")[2]
                found.extend((child.lineno, name, comment) for name in _imported(child, path))
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(text), False)
    return tuple(sorted(set(found)))


def _extra_of(name: str) -> str | None:
    """The extra an imported name needs, if any."""
    if name.startswith("mutualaid"):
        return next((extra for module, extra in EXTRA_MODULES.items() if name == module or name.startswith(module + ".")), None)
    return next((extra for extra, packages in EXTRA_PACKAGES.items() if name.split(".")[0] in packages), None)


def _paths() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_an_import_inside_a_function_is_an_extra_and_says_which():
    bad = []
    for path in _paths():
        for line, name, comment in _lazy_imports(path):
            where = f"{path.relative_to(SRC.parent)}:{line} {name}"
            extra = _extra_of(name)
            if extra is not None:
                if not re.search(rf"\b{extra} extra\b", comment):
                    bad.append(f"{where}: its comment does not name the {extra} extra")
            elif name.split(".")[0] in FIRST_USE:
                if "first use" not in comment:
                    bad.append(f"{where}: its comment does not say it is loaded on first use")
            else:
                bad.append(f"{where}: imported inside a function, yet no extra needs it (a hidden edge, or a cycle dodged)")
    assert not bad, "\n".join(bad)


def test_the_lists_name_real_extras_and_dependencies():
    project = _config()["project"]
    assert set(EXTRA_PACKAGES) <= set(project["optional-dependencies"])
    assert set(EXTRA_MODULES.values()) <= set(EXTRA_PACKAGES)
    core = {re.split(r"[<>=;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]}
    assert set(FIRST_USE.values()) <= core


def test_the_scan_sees_the_lazy_imports_there_are():
    """The rule above reads something: the polars doors of whatif and frame, the SQL store, the service."""
    names = {name for path in _paths() for _, name, _ in _lazy_imports(path)}
    assert {"mutualaid.vector.compare", "mutualaid.frame", "matplotlib.ticker", "mutualaid.ledger.sql", "mutualaid.server", "rich.console"} <= names
    assert len(_paths()) > 90
