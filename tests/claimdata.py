"""Plain-data claims for the unit tests: one valid claim that pays 2000.00, and small builders.

Every function returns a fresh object, so a test may change what it gets without touching others.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

ID = "440106199003071231"  # GB 11643 check digit holds
ID_X = "11010519491231002X"  # check character X

_BASE = {
    "claim_id": "C-0001",
    "filed_on": "2022-04-10",
    "member": {
        "member_id": "M-0001",
        "name": "张三",
        "id_number": ID,
        "union_member_since": "2021-08-01",
        "real_name_verified_on": "2021-08-01",
        "occupation": "courier",
    },
    "accident": {"accident_id": "A-0001", "occurred_on": "2022-03-01", "cause": "accident", "circumstances": []},
    "treatments": [
        {
            "treatment_id": "T1",
            "hospital": {"name": "广州市第一人民医院", "grade": 3, "ownership": "public", "kind": "general"},
            "setting": "inpatient",
            "diagnoses": ["S82.2"],
            "items": [{"on": "2022-03-01", "category": "treatment", "out_of_pocket": "3200.00", "self_funded": "450.00"}],
        }
    ],
    "documents": ["invoice", "accident_proof", "medical_record"],
    "payee": {"holder_name": "张三", "holder_id_number": ID, "account_number": "6222020200112233445"},
}


def base_claim() -> dict:
    """A valid claim: accident 2022-03-01, one inpatient treatment, 3200.00 out of pocket → approved, 2000.00."""
    return copy.deepcopy(_BASE)


def item(on: str = "2022-03-01", amount: str = "3200.00", category: str = "treatment", **kw) -> dict:
    return {"on": on, "category": category, "out_of_pocket": amount, **kw}


def treatment(tid: str = "T1", items=None, diagnoses=("S82.2",), hospital=None, setting: str = "inpatient") -> dict:
    return {
        "treatment_id": tid,
        "hospital": hospital or {"name": "某医院", "grade": 3, "ownership": "public", "kind": "general"},
        "setting": setting,
        "diagnoses": list(diagnoses),
        "items": list(items if items is not None else [item()]),
    }


def claim_with(*treatments_: dict, **top) -> dict:
    """The base claim with these treatments and top-level fields replaced."""
    c = base_claim()
    if treatments_:
        c["treatments"] = list(treatments_)
    c.update(top)
    return c


def hist(claim_id: str, accident_id: str, on: str, counted: str, paid: str, filed_on: str | None = None) -> dict:
    entry = {
        "claim_id": claim_id,
        "accident_id": accident_id,
        "accident_occurred_on": on,
        "counted_out_of_pocket": counted,
        "paid": paid,
    }
    if filed_on is not None:
        entry["filed_on"] = filed_on
    return entry


def edition_data() -> dict:
    """The shipped 2022 edition as plain data, to build variants with ``Edition.model_validate``."""
    from mutualaid import editions

    return editions.get("gd-nef-2022").model_dump(by_alias=True)



CASES_DIR = Path(__file__).resolve().parent / "cases"


@lru_cache(maxsize=1)
def _project_cases() -> tuple:
    from mutualaid.cases import case_files, load_cases

    return tuple((f, case) for f in case_files([CASES_DIR]) for case in load_cases(f))


@lru_cache(maxsize=1)
def _decided_cases() -> tuple:
    from mutualaid import adjudicate

    return tuple(
        (case, adjudicate(case["claim"], case.get("history") or ()))
        for _, case in _project_cases()
        if "error" not in case["expect"]
    )


def project_cases() -> list:
    """``(file, case)`` for every case under tests/cases, in file order (read once)."""
    return list(_project_cases())


def decided_cases() -> list:
    """``(case, decision)`` for every case under tests/cases that expects a decision (decided once)."""
    return list(_decided_cases())


def odd_json_values():
    """Values a backend's JSON may put anywhere: wrong types, edges of each type, text no UTF-8 holds."""
    from hypothesis import strategies as st

    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(),
        st.text(st.characters(exclude_categories=()), max_size=8),  # lone surrogates included
        st.sampled_from(["\ud800", "X\udfff", "", " ", "2022-02-30", "1e400", "-0", "T1/2", "C-1", "S82.2"]),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.sampled_from(["claim_id", "on", "x"]), st.integers(), max_size=2),
    )


def set_odd_leaves(data, doc, changes: tuple[int, int]) -> None:
    """Replace a drawn number (``changes``: least, most) of ``doc``'s nodes by odd JSON values, in place."""
    from hypothesis import strategies as st

    paths: list[tuple] = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))
        if path:
            paths.append(path)

    walk(doc, ())
    for _ in range(data.draw(st.integers(*changes))):
        path = data.draw(st.sampled_from(paths))
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = data.draw(odd_json_values())
        except (KeyError, IndexError, TypeError):  # an earlier change took the path away
            pass


def generated_stream(claims: int, members: int, seed: int) -> list[dict]:
    """``claims`` claims of about ``members`` members in filing order, from the scale benchmark's generator
    (``benchmarks/bench_batch.py``): top-ups, the cap, pending claims filed again, a few bad lines."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_batch", Path(__file__).resolve().parent.parent / "benchmarks" / "bench_batch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.stream(claims, members, seed))
