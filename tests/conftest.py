"""Shared pytest set-up.

Hypothesis profiles (tests/test_properties.py): ``dev`` (50 examples) and ``ci`` (500 examples,
derandomised), both without a deadline; chosen with ``HYPOTHESIS_PROFILE``; by default ``ci`` when
the environment has ``CI=true`` (as CI runs ``.ci/run``), else ``dev``.
"""

import os

from hypothesis import settings

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=500, deadline=None, derandomize=True)
_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
