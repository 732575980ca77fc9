"""The package ships ``py.typed``, so backends type-check their calls against its annotations:
those annotations must hold. mypy checks them with the settings in ``pyproject.toml``.

Every module of src/mutualaid is checked; the large typed packages used only at the package's edges
(sqlalchemy and alembic, dask and distributed, matplotlib) are not followed (``follow_imports =
"skip"`` there, which says why): following them took about half of this test's time, and a fresh
clone has no mypy cache to spare it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_type_checks(tmp_path):
    api = pytest.importorskip("mypy.api", reason="mypy is in the dev extra")
    out, err, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"), str(ROOT / "src" / "mutualaid")]
    )
    assert status == 0, out + err
    assert "Success" in out
