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

import gc
import os

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


def pytest_collection_finish(session):
    """The collector's garbage thresholds raised for the run, and what collection built frozen.

    Hypothesis and pydantic allocate many short-lived objects; with Python's default thresholds
    (700, 10, 10) the cyclic collector ran so often, over a heap that holds some 3,000 collected
    tests, that raising them cut the property tests' time by about a tenth (tests/spec/test_art5_1.py,
    test_art6.py and test_art8.py with ``CI=true`` on one core: 88.8 s of CPU, 78.2 s with this, one
    run after the other). Garbage is still collected, in the young generation every 100,000
    allocations; the tests that measure memory collect it themselves first. It changes no test's
    data (no example is drawn differently) and no process the tests start."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)


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
