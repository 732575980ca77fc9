"""Case files (CONTRACT §6): YAML lists of ``{name, claim, history?, expect}``, run as ``mutualaid check``.

``expect`` is ``{outcome, payout, clauses?}`` or, for bad input, ``{error: TEXT}``. ``clauses`` must
all appear among the decision's deny, pend and exclude reasons. The project's own tests run their
case files through this same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

from .errors import InvalidClaim, quote

_CASE_KEYS = {"name", "claim", "history", "expect", "plan"}


class CaseFileError(ValueError):
    """A case file that is not a list of cases in the contract's shape."""


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    passed: bool
    detail: str = ""

    def __str__(self) -> str:
        return f"FAIL {self.file}: {self.name}: {self.detail}"


def case_files(paths: list[str | Path]) -> list[Path]:
    """The YAML files named, and those found below the folders named, in a stable order."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise CaseFileError(f"{p}: no such file or folder")
    return files


def load_cases(path: Path) -> list[dict]:
    from . import yamlio

    try:
        data = yamlio.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yamlio.YAMLError) as exc:
        raise CaseFileError(f"{path}: cannot read it as YAML: {exc}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CaseFileError(f"{path}: a case file is a YAML list of cases")
    for n, case in enumerate(data):
        if not isinstance(case, dict) or not {"name", "claim", "expect"} <= set(case) or set(case) - _CASE_KEYS:
            raise CaseFileError(f"{path}: case {n} is not {{name, claim, history?, expect}}")
        if not isinstance(case["expect"], dict):
            raise CaseFileError(f"{path}: case {quote(case['name'])}: expect is a mapping")
    return data


def run_case(case: dict, file: str = "", engine: str = "native") -> CaseResult:
    from .decide import adjudicate

    name, expect = str(case["name"]), case["expect"]
    try:
        decision = adjudicate(case["claim"], case.get("history") or (), plan=case.get("plan"), engine=engine)
    except InvalidClaim as exc:
        if "error" in expect:
            if str(expect["error"]) in str(exc):
                return CaseResult(file, name, True)
            return CaseResult(file, name, False, f"refused, but the message lacks {quote(expect['error'])}: {exc}")
        return CaseResult(file, name, False, f"refused as bad input: {exc}")
    if "error" in expect:
        return CaseResult(file, name, False, f"expected bad input naming {quote(expect['error'])}, got {decision.outcome}")

    problems = []
    if "outcome" in expect and decision.outcome != expect["outcome"]:
        problems.append(f"outcome {decision.outcome}, expected {expect['outcome']}")
    if "payout" in expect and _amount(expect["payout"]) != decision.payout:
        problems.append(f"payout {decision.payout:.2f}, expected {expect['payout']}")
    got = {r.clause for r in decision.reasons if r.effect != "note"}
    missing = [c for c in expect.get("clauses") or () if c not in got]
    if missing:
        problems.append(f"clauses {', '.join(missing)} not among the reasons ({', '.join(sorted(got)) or 'none'})")
    return CaseResult(file, name, not problems, "; ".join(problems))


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def run(paths: list[str | Path], engine: str = "native") -> Iterator[CaseResult]:
    """Every case of every case file under ``paths``, in order."""
    for f in case_files(paths):
        for case in load_cases(f):
            yield run_case(case, str(f), engine)
