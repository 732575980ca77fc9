"""Case files (CONTRACT §6), run as ``mutualaid check``.

Three shapes (``docs/case-files.md``):

- the contract's: a YAML list of ``{name, claim, history?, expect}``;
- with a base: ``{base: {claim, history?, plan?}, cases: [...]}``, where each case states only what
  differs from the base claim (:func:`merge`; ``unset:`` lists keys to remove);
- a claim file (``{claim, history?}``, as ``mutualaid adjudicate`` reads) that carries an
  ``expect:`` block: one case, named after the file.

``expect`` is ``{outcome, payout, clauses?}`` or, for bad input, ``{error: TEXT}``. ``clauses`` must
all appear among the decision's deny, pend and exclude reasons. The project's own tests run their
case files through this same code.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterator

from . import yamlio
from .decide import adjudicate
from .errors import InvalidClaim, quote
from .yamlio import refuse_repeated_keys

_CASE_KEYS = {"name", "claim", "history", "expect", "plan"}
_BASE_KEYS = {"claim", "history", "plan"}
_CLAIM_FILE_KEYS = {"claim", "history", "expect"}


class CaseFileError(ValueError):
    """A case file in none of the three shapes, or a case that cannot be laid over its base."""


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
    return [f for f, _ in _found(paths)]


def _found(paths: list[str | Path]) -> list[tuple[Path, bool]]:
    """Each YAML file with whether it was named (True) or found in a folder (False)."""
    files: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted((f, False) for f in p.rglob("*") if f.suffix in (".yaml", ".yml") and f.is_file())
        elif p.is_file():
            files.append((p, True))
        else:
            raise CaseFileError(f"{p}: no such file or folder")
    return files


def _read(path: Path):
    try:
        return yamlio.load_case_file(path.read_text(encoding="utf-8"))  # a case's repeated key: run_case
    except (OSError, UnicodeDecodeError, yamlio.YAMLError) as exc:
        raise CaseFileError(f"{path}: cannot read it as YAML: {exc}") from None


def is_case_file(data: Any) -> bool:
    """Whether YAML data has one of the three shapes of a case file (a folder's other YAML, such as
    an edition or a claim file without ``expect``, is not one)."""
    return data is None or isinstance(data, list) or (isinstance(data, dict) and bool({"expect", "cases", "base"} & set(data)))


def load_cases(path: Path) -> list[dict]:
    """The cases of one case file, each in the contract's shape ``{name, claim, history?, plan?, expect}``."""
    return _cases(path, _read(path))


def _cases(path: Path, data: Any) -> list[dict]:
    if data is None:
        return []
    if not is_case_file(data):
        raise CaseFileError(f"{path}: not a case file: a YAML list of cases, {{base, cases}}, or a claim file with expect")
    if isinstance(data, dict) and "expect" in data:
        return _claim_file_case(path, data)
    if isinstance(data, dict):
        return _based_cases(path, data)
    for n, case in enumerate(data):
        _check_keys(path, n, case, {"name", "claim", "expect"}, _CASE_KEYS)
        _check_expect(path, case)
    return data


_EXPECT_KEYS = {"outcome", "payout", "clauses", "error"}


def _check_expect(path: Path, case: dict) -> None:
    """An expect that checks nothing (``{}``, a misspelt key) would pass every decision: refuse it."""
    where = f"{path}: case {quote(case['name'])}: expect"
    expect = case["expect"]
    if not isinstance(expect, dict):
        raise CaseFileError(f"{where} is a mapping")
    unknown = sorted(map(str, set(expect) - _EXPECT_KEYS))
    if unknown:
        raise CaseFileError(f"{where}: unknown key {', '.join(unknown)} (it holds outcome, payout, clauses, or error)")
    if "error" in expect and set(expect) != {"error"}:
        raise CaseFileError(f"{where}: error stands alone (bad input has no outcome, payout or clauses)")
    if not expect.keys() & {"outcome", "payout", "error"}:
        raise CaseFileError(f"{where}: names no outcome, payout or error, so it would pass any decision")
    if "clauses" in expect and not isinstance(expect["clauses"], list):
        raise CaseFileError(f"{where}: clauses is a list, such as [art6.1]")


def _check_keys(path: Path, n: int, case: Any, required: set, allowed: set) -> None:
    """Name the case (by name, else by its place from 1) and the keys it lacks or should not have."""
    if not isinstance(case, dict):
        raise CaseFileError(f"{path}: case {n + 1} is not a mapping")
    name = f"case {quote(case['name'])}" if isinstance(case.get("name"), str) else f"case {n + 1}"
    problems = [f"lacks {k}" for k in sorted(required - set(case))]
    problems += [f"has unknown key {k}" for k in sorted(map(str, set(case) - allowed))]
    if problems:
        raise CaseFileError(f"{path}: {name} {'; '.join(problems)} (a case holds {', '.join(sorted(allowed))})")


def _claim_file_case(path: Path, data: dict) -> list[dict]:
    """A claim file that carries ``expect``: one case, named after the file."""
    extra = set(data) - _CLAIM_FILE_KEYS
    if "claim" not in data or extra:
        raise CaseFileError(f"{path}: a claim file with expect holds claim, history and expect only (not {', '.join(sorted(map(str, extra))) or 'without claim'})")
    case = {"name": path.stem, **data}
    _check_expect(path, case)
    return [case]


def _based_cases(path: Path, data: dict) -> list[dict]:
    if set(data) != {"base", "cases"} or not isinstance(data["cases"], list):
        raise CaseFileError(f"{path}: a case file with a base is {{base: {{claim, history?, plan?}}, cases: [...]}}")
    base = data["base"]
    if not isinstance(base, dict) or "claim" not in base or set(base) - _BASE_KEYS or not isinstance(base["claim"], dict):
        raise CaseFileError(f"{path}: base is {{claim, history?, plan?}} with claim a mapping")
    out = []
    for n, case in enumerate(data["cases"]):
        _check_keys(path, n, case, {"name", "expect"}, _CASE_KEYS | {"unset"})
        _check_expect(path, case)
        where = f"{path}: case {quote(case['name'])}"
        claim = merge(base["claim"], case.get("claim") or {}, where=f"{where}: claim")
        for key in _unset_paths(case.get("unset"), where):
            _unset(claim, key, where)
        full = {"name": case["name"], "claim": claim}
        for key in ("history", "plan"):
            if key in case:
                full[key] = case[key]
            elif key in base:
                full[key] = copy.deepcopy(base[key])
        full["expect"] = case["expect"]
        out.append(full)
    return out


def merge(base: Any, change: Any, where: str = "claim") -> Any:
    """``change`` laid over ``base``, as a case laid over its file's base claim; neither is changed.

    - a mapping over a mapping merges key by key, recursively;
    - a mapping whose keys are all integers, over a list, changes those elements (0 is the first)
      and leaves the others: ``treatments: {0: {diagnoses: [M51.2]}}``;
    - anything else replaces what the base has: a list replaces the whole list, and ``null`` is a
      value like any other (the contract gives it a meaning: ``payee: null``). To remove a key,
      name it in the case's ``unset:`` list.
    """
    if isinstance(change, dict) and isinstance(base, dict):
        out = copy.deepcopy(base)
        for key, value in change.items():
            out[key] = merge(base[key], value, f"{where}.{key}") if key in base else copy.deepcopy(value)
        if getattr(change, "repeated", ()):  # a key the case repeats (yamlio.Repeated): kept, so that it is refused
            out, out.repeated = type(change)(out), (*getattr(out, "repeated", ()), *change.repeated)  # type: ignore[attr-defined]
        return out
    if isinstance(change, dict) and isinstance(base, list) and change and all(type(k) is int for k in change):
        out_list = copy.deepcopy(base)
        for index, value in change.items():
            if not 0 <= index < len(base):
                raise CaseFileError(f"{where}: no element {index} to change (the base has {len(base)})")
            out_list[index] = merge(base[index], value, f"{where}.{index}")
        return out_list
    return copy.deepcopy(change)


def _unset_paths(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, str) and p for p in value):
        raise CaseFileError(f"{where}: unset is a list of dotted paths, such as member.id_number")
    return value


def _unset(claim: dict, path: str, where: str) -> None:
    """Remove the key at a dotted path (``treatments.0.hospital.kind``), which must be there."""
    *head, last = path.split(".")
    node: Any = claim
    try:
        for key in head:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            del node[int(last)]
        else:
            del node[last]
    except (KeyError, IndexError, ValueError, TypeError):
        raise CaseFileError(f"{where}: unset {quote(path)}: the claim has no such key") from None


def run_case(case: dict, file: str = "", engine: str = "native") -> CaseResult:
    name, expect = str(case["name"]), case["expect"]
    try:
        refuse_repeated_keys(case)  # CONTRACT §7, revision 3 (the file is read keeping them)
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
    """Every case of every case file under ``paths``, in order.

    A file named in ``paths`` must be a case file; below a folder, YAML that is not one (an edition,
    a claim file without ``expect``) is passed over, so that ``mutualaid check examples/`` runs the
    stories and leaves the what-if edition beside them alone.
    """
    for f, named in _found(paths):
        data = _read(f)
        if not named and not is_case_file(data):
            continue
        for case in _cases(f, data):
            yield run_case(case, str(f), engine)
