"""Shared pytest set-up.

Hypothesis profiles for the property suite (``tests/spec``, one module per article of 附件4) and the
other property tests:

- ``dev``: 50 examples a property, for the edit-and-run loop;
- ``ci``: 500 examples a property (the issue's floor), derandomised so that CI runs the same
  examples every time and a failure reproduces.

Both run without a deadline (a cold edition compiles its rules on first use). The profile is
``HYPOTHESIS_PROFILE`` when set; otherwise ``ci`` when the environment has ``CI=true`` (as CI runs
``.ci/run``), else ``dev``.

Also: which modules run first (``LONG_FIRST`` below, so that the workers end together).
"""

import compileall
import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=500, deadline=None, derandomize=True)
_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))

# Modules with long tests that sort late, run first. pytest-xdist hands tests to its workers in
# collection order and, with ``--dist worksteal`` (pyproject.toml), a worker that runs out takes
# queued tests from the other, but never the one it is running: a long test collected last (the
# mypy run, the polars engine's properties) ran alone on one worker at the end while the other had
# nothing left. Whole modules move, so that a module's fixtures are set up once a worker where they
# were; the order of everything else is unchanged.
LONG_FIRST = (
    "tests/test_types.py",
    "tests/test_vector.py",
    "tests/test_testing.py",
    "tests/test_one_door.py",
    "tests/test_notebook.py",
    "tests/test_server_pages.py",
)


def pytest_configure(config):
    """The package's byte code written once, before the run (by the controller, not each xdist worker).

    The suite starts some 300 Python processes that import mutualaid (commands, batch runs and
    their workers, killed and resumed runs, the service's workers). Where ``PYTHONDONTWRITEBYTECODE``
    is set (it is on the machines CI runs on), a fresh clone's ``src`` never gets its ``__pycache__``,
    and every one of them compiled the package from source again: about 0.13 s a process
    (``python -m mutualaid adjudicate examples/courier-fracture.yaml``: 0.70 s, 0.57 s compiled).
    ``compileall`` writes what Python would have written on first import; a stale file is never read
    (Python checks each against its source)."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "src"), quiet=1)


def pytest_collection_modifyitems(items):
    rank = {path: n for n, path in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(LONG_FIRST)))


@pytest.fixture(scope="module")
def dask_client(request):
    """A real two-worker Dask cluster (``mutualaid[dask]``), closed when the module's tests are done."""
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40)
    client = Client(cluster)

    def close():
        client.close()
        cluster.close()

    request.addfinalizer(close)
    return client


@pytest.fixture(scope="session")
def postgres():
    """A real, throw-away PostgreSQL cluster (``tests/pgcluster.py``), started once a test process and
    stopped by its pid. ``.ci/run`` installs PostgreSQL where it is absent, so CI always has one."""
    pytest.importorskip("psycopg")
    import pgcluster

    if pgcluster.bindir() is None and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
        pytest.skip("PostgreSQL is not installed here (CI installs it: .ci/run)")
    cluster = pgcluster.start(fast=True)
    yield cluster
    cluster.stop()
