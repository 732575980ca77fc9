"""Deciding claims from many threads gives exactly what one thread gives (no timing is measured)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from mutualaid import Edition, adjudicate
from claimdata import edition_data, project_cases
THREADS = 8


def _inputs() -> list[tuple[dict, list]]:
    return [
        (case["claim"], case.get("history") or [])
        for _, case in project_cases()
        if "error" not in case["expect"] and "plan" not in case["claim"]
    ]


def _decide_all(inputs, plan=None) -> list[str]:
    return [adjudicate(claim, history, plan=plan).model_dump_json() for claim, history in inputs]


def _in_threads(inputs, plan=None) -> list[list[str]]:
    start = threading.Barrier(THREADS)

    def worker(k: int) -> list[str]:
        start.wait()
        rotated = inputs[k * 7 % len(inputs):] + inputs[: k * 7 % len(inputs)]  # each thread its own order
        results = _decide_all(rotated, plan)
        shift = k * 7 % len(inputs)
        return results[len(inputs) - shift:] + results[: len(inputs) - shift]  # back to input order

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


def test_eight_threads_decide_like_one():
    inputs = _inputs()
    assert len(inputs) > 200
    expected = _decide_all(inputs)
    for results in _in_threads(inputs):
        assert results == expected


def test_eight_threads_on_a_cold_edition_decide_like_one():
    """A new edition object: its engine, messages and caches are built while the threads race for them."""
    inputs = _inputs()[::5]
    reference = Edition.model_validate({**edition_data(), "id": "test-threads"})
    expected = _decide_all(inputs, reference)
    cold = Edition.model_validate({**edition_data(), "id": "test-threads"})
    for results in _in_threads(inputs, cold):
        assert results == expected
    assert '"plan":"test-threads"' in expected[0]
