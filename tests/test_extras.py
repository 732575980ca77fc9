"""A production install decides claims without the extras; a part that needs one says which.

``pip install mutualaid`` is what a claims backend runs: it must not pull in a test library. The
Hypothesis strategies (``mutualaid.testing``) sit behind ``mutualaid[testing]``. Each check runs in
a fresh interpreter in which the extra's package cannot be imported, as on a machine without it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _without(module: str, code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where importing ``module`` fails, as if it were not installed."""
    prelude = f"import sys; sys.modules[{module!r}] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )


def test_deciding_needs_no_hypothesis():
    r = _without("hypothesis", """
        from mutualaid import adjudicate, read_claim_file
        d = adjudicate(*read_claim_file("examples/courier-fracture.yaml"))
        print(d.outcome, d.payout)
        import sys
        assert not any(m == "hypothesis" or m.startswith("hypothesis.") for m in sys.modules if sys.modules[m] is not None)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "approved 2000.00"


def test_the_strategies_without_their_extra_name_it():
    r = _without("hypothesis", "import mutualaid.testing")
    assert r.returncode != 0
    assert "pip install 'mutualaid[testing]'" in r.stderr


def test_the_package_metadata_puts_hypothesis_behind_the_testing_extra():
    from importlib.metadata import requires

    reqs = requires("mutualaid") or []
    plain = [r for r in reqs if "extra ==" not in r]
    assert not any(r.lower().startswith("hypothesis") for r in plain), plain
    assert any(r.lower().startswith("hypothesis") and 'extra == "testing"' in r for r in reqs), reqs


def test_the_service_without_its_extra_names_it():
    for missing in ("fastapi", "uvicorn"):
        r = _without(missing, "import mutualaid.server")
        assert r.returncode != 0
        assert "pip install 'mutualaid[server]'" in r.stderr


def test_serve_without_the_extra_exits_2_naming_it_without_a_traceback():
    r = _without("fastapi", """
        import sys
        from mutualaid.cli import main
        sys.exit(main(["serve", "--port", "1"]))
    """)
    assert r.returncode == 2, r.stderr
    assert "mutualaid[server]" in r.stderr
    assert "Traceback" not in r.stderr


def test_deciding_imports_no_web_framework():
    r = _without("fastapi", """
        from mutualaid import adjudicate, read_claim_file
        import mutualaid.cli
        print(adjudicate(*read_claim_file("examples/courier-fracture.yaml")).outcome)
        import sys
        assert "uvicorn" not in sys.modules and "starlette" not in sys.modules
    """)
    assert r.returncode == 0, r.stderr


def _without_here(module: str, code: str) -> subprocess.CompletedProcess:
    """:func:`_without`, importing this checkout's sources."""
    import os

    prelude = f"import sys; sys.modules[{module!r}] = None\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def test_the_sql_store_without_its_extra_names_it_and_the_ledger_does_not_need_it():
    r = _without_here("sqlalchemy", """
        import sys
        try:
            import mutualaid.ledger.sql
        except ImportError as exc:
            assert "pip install 'mutualaid[db]'" in str(exc), exc
        else:
            raise AssertionError("imported without SQLAlchemy")
        from mutualaid.ledger import Ledger
        from mutualaid.batch import run
        assert "sqlalchemy" not in [m for m in sys.modules if sys.modules[m] is not None]
        print(type(Ledger()).__name__)
        from mutualaid.cli import main
        sys.exit(main(["batch", "-", "-", "--db", "sqlite:///x.db"]))
    """)
    assert r.returncode == 2 and r.stdout.strip() == "Ledger", r.stderr
    assert "mutualaid[db]" in r.stderr and "Traceback" not in r.stderr, r.stderr
    r = _without_here("alembic", "import mutualaid.ledger.sql")
    assert r.returncode != 0 and "pip install 'mutualaid[db]'" in r.stderr, r.stderr


def test_the_polars_engine_without_its_extra_names_it():
    r = _without("polars", """
        from mutualaid import frame
        frame.decide([], engine="polars")
    """)
    assert r.returncode != 0
    assert "pip install 'mutualaid[polars]'" in r.stderr
    r = _without("polars", "import mutualaid.vector")
    assert r.returncode != 0 and "pip install 'mutualaid[polars]'" in r.stderr
    r = _without("polars", """
        from mutualaid import whatif
        whatif.compare([], "gd-nef-2022", "gd-nef-2022", engine="polars")
    """)
    assert r.returncode != 0 and "pip install 'mutualaid[polars]'" in r.stderr
