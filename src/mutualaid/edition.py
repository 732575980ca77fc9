"""An edition of the plan is data: its period, window, tiers, cap, filing limit, documents,
hospital rule and exclusion codes (OpenFisca's lesson: amounts live in data, not in formulas).

The 2022 edition ships as ``editions/gd-nef-2022.yaml``. A user can load another edition from a
YAML or JSON file (:func:`load_edition`), build one in Python (:class:`Edition`), ``register`` it, or
pass it straight to ``adjudicate(..., plan=edition)``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from decimal import Decimal
from functools import cached_property, update_wrapper
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import yamlio
from .clauses import clause_label
from .errors import BadValue, InvalidClaim
from .exclusions import BY_CLAUSE
from .icd10 import CodeGroups, check_entry
from .model import Circumstance, Document, HospitalKind, Ownership
from .pydantic_errors import pydantic_errors
from .values import Day, Id, Money, PlainInt


class _Data(BaseModel):
    # revalidate_instances: a part given as an instance (``Cap.model_construct(amount=-500)``) is
    # checked again, so that no edition decides with a cap of -500.00 (revision 3).
    model_config = ConfigDict(extra="forbid", frozen=True, revalidate_instances="always")


class Period(_Data):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self):
        if self.end < self.start:
            raise BadValue("edition.period_reversed")
        return self

    def holds(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def distance(self, day: dt.date) -> int:
        """Days from ``day`` to the period (0 inside it)."""
        if day < self.start:
            return (self.start - day).days
        return max(0, (day - self.end).days)


class Window(_Data):
    days: PlainInt = Field(gt=0, le=3660)
    """At most ten years: the contract bounds dates at 2199-12-31, so every window ends in range."""
    convention: str = ""


class Tier(_Data):
    """One row of the tier table: the lower edge, inclusive (``at_least``, 以上) or not (``over``, 超过)."""

    at_least: Optional[Money] = None
    over: Optional[Money] = None
    pays: Money

    @model_validator(mode="after")
    def _one_edge(self):
        if (self.at_least is None) == (self.over is None):
            raise BadValue("edition.tier_edge")
        return self

    @property
    def edge(self) -> Decimal:
        return self.at_least if self.at_least is not None else self.over  # type: ignore[return-value]


class Cap(_Data):
    amount: Money
    scope: Literal["edition", "member"] = "edition"
    """``edition``: only history of accidents in this edition's period counts; ``member``: all of it."""


class Filing(_Data):
    years: PlainInt = Field(gt=0, le=50)
    """At most fifty: a deadline counted from an accident on 2199-12-31 must stay a real date."""
    filing_deadline_moves_to_workday: bool = True
    top_ups_meet_deadline: bool = True
    """Every filing, a top-up of an accident already in the history included, must meet the
    deadline counted from the accident (CONTRACT §7, revision 2). ``false``: only the accident's
    first filing must; a later top-up for it is not late."""


class Documents(_Data):
    required: tuple[Document, ...]


class HospitalRule(_Data):
    min_grade: PlainInt = Field(ge=1, le=3)
    ownership: Ownership
    excluded_kinds: tuple[HospitalKind, ...]


class DiagnosisGroup(_Data):
    """Primary diagnoses (主要诊断) that an exclusion of 第六条 holds.

    ``include`` lists codes and ranges; ``except`` lists primary codes it does not hold after all.
    ``unless_with`` is a proviso read from the treatment's *other* diagnoses: when any of them
    lies in these codes, the group does not hold the treatment (art6.10: an infection treated
    together with an injury of chapter XIX is the wound's infection, 但因意外伤害所致的伤口发生感染者不在此限).
    """

    include: tuple[str, ...] = Field(min_length=1)
    except_: tuple[str, ...] = Field((), alias="except")
    unless_with: tuple[str, ...] = ()

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, revalidate_instances="always")

    @field_validator("include", "except_", "unless_with")
    @classmethod
    def _codes(cls, v):
        for entry in v:
            check_entry(entry)
        return v


class Exclusions(_Data):
    """Which of 第六条's thirteen exclusions an edition applies, and how each is recognised.

    Each key is a clause of 第六条 (``art6.1`` … ``art6.13``): the rules are made from these keys
    (:func:`mutualaid.rules.rules_for`), so an edition that leaves an exclusion out does not apply
    it, and a key that names no exclusion of the plan is refused.
    """

    circumstances: dict[str, tuple[Circumstance, ...]]
    diagnoses: dict[str, DiagnosisGroup]

    @field_validator("circumstances", "diagnoses")
    @classmethod
    def _clauses(cls, v):
        unknown = [k for k in v if k not in BY_CLAUSE]
        if unknown:
            raise BadValue("edition.unknown_exclusion", keys=", ".join(map(repr, unknown)), known=", ".join(BY_CLAUSE))
        return v

    @field_validator("circumstances")
    @classmethod
    def _each_code_once(cls, v):
        seen: dict[str, str] = {}
        for key, codes in v.items():
            for c in codes:
                if c in seen:
                    raise BadValue("edition.circumstance_twice", circumstance=c, first=seen[c], second=key)
                seen[c] = key
        return v


class Reference(_Data):
    """Where a value of the edition comes from: the clause key and the plan's own words.

    OpenFisca's parameters carry a ``reference`` beside each value; an edition carries one for
    each of its values in ``references``, keyed by the value's path (``cap.amount``), so that
    ``docs/rules.md`` can print, under each clause, the values it reads.
    """

    clause: str
    quote: str = ""

    @field_validator("clause")
    @classmethod
    def _key(cls, v):
        clause_label(v)
        return v


class Edition(_Data):
    """One edition of the plan. Build it from data; every rule reads its thresholds from here.

    Every way to make one validates it: ``Edition.model_validate(data)`` (or ``Edition(**data)``),
    :func:`load_edition` for a file, and :meth:`replace` for a variant of an existing edition.
    ``model_copy(update=...)`` goes through :meth:`replace`, and ``model_construct`` validates too:
    an edition is data a user writes, so no path may skip its checks.
    """

    id: Id
    """An id under the rules of a claim's ids (CONTRACT §7, "Ids"): 1 to 64 characters, NFKC, no
    white space, control, format or default-ignorable character."""
    title: str = ""
    source: str = ""
    period: Period
    window: Window
    tiers: tuple[Tier, ...] = Field(min_length=1)
    accumulate_same_accident: bool = True
    cap: Cap
    filing: Filing
    documents: Documents
    hospital: HospitalRule
    exclusions: Exclusions
    contribution: Optional[Money] = None
    """保障费 per member (art3); no decision reads it, what-if and cost studies do."""
    references: dict[str, Reference] = {}
    """The clause behind each value, keyed by the value's path (``cap.amount``, ``tiers``,
    ``exclusions.diagnoses.art6.10``). Documentation: no decision reads it, and the
    :attr:`content_hash` leaves it out."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,), revalidate_instances="always")

    @field_validator("tiers")
    @classmethod
    def _rising(cls, tiers):
        edges = [t.edge for t in tiers]
        if edges != sorted(edges) or len(set(edges)) != len(edges):
            raise BadValue("edition.tiers_not_rising")
        return tiers

    @model_validator(mode="after")
    def _references_name_values(self):
        data = self.model_dump(mode="json", by_alias=True, exclude={"references"})
        missing = [path for path in self.references if _at(data, path) is _MISSING]
        if missing:
            raise BadValue("edition.references_missing", paths=", ".join(missing))
        return self

    # --- a variant of an edition ---------------------------------------------------------------

    def replace(self, **changes: Any) -> "Edition":
        """A validated variant of this edition: ``edition.replace(id="what-if", cap={"amount": "8000.00"})``.

        Each change replaces the value of that name. A mapping given for a section (``cap``,
        ``filing``, ``hospital``, ``exclusions``…) changes only the fields it names, at any depth, so
        ``cap={"amount": "8000.00"}`` keeps the cap's scope. Lists (``tiers``) and tables keyed by
        clause (``exclusions.circumstances``, ``exclusions.diagnoses``, ``references``) are replaced
        whole, so a variant can leave an exclusion out. A reference whose value the variant no longer has (an exclusion left out) is
        dropped with it. The result is validated like any edition; a broken one raises
        :class:`InvalidEdition` naming each bad field.
        """
        data = self.model_dump(mode="python", by_alias=True)
        for name, value in changes.items():
            data[name] = _merged(getattr(self, name, None), value)
        if "references" not in changes:
            data = without_stale_references(data)
        return _validated(data)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> "Edition":
        """As :meth:`replace` when there is an ``update`` (pydantic's own copy would skip validation)."""
        if update:
            return self.replace(**update)
        return super().model_copy(deep=deep)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> "Edition":
        """Validates, unlike pydantic's ``model_construct``: an unchecked edition could pay wrongly."""
        return _validated(values)

    # --- derived values, computed once per edition -------------------------------------------

    @cached_property
    def cap_fen(self) -> int:
        return int(self.cap.amount * 100)

    @cached_property
    def top_tier_fen(self) -> int:
        return max(int(t.pays * 100) for t in self.tiers)

    @cached_property
    def memo(self) -> dict:
        """What :func:`per_edition` functions computed from this edition, each once (a copy starts empty)."""
        return {}

    @cached_property
    def content_hash(self) -> str:
        """``sha256:`` of the edition's data as canonical JSON (sorted keys, no spaces).

        Two editions with the same id but other values (a corrected file, a what-if copy) hash
        differently, so a stored decision record can tell which data decided it. The
        ``references`` are left out: they cite the plan, and decide nothing.
        """
        values = self.model_dump(mode="json", exclude={"references"})  # references decide nothing
        data = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()

    @cached_property
    def params(self) -> dict[str, object]:
        """The edition's own values as the rule conditions see them: flat, integers and strings only.

        Dates become day numbers (``date.toordinal()``), money becomes fen. What the messages and
        hints say of the edition in words (``filing_years_zh``, ``hospital_ownership_en``) is each
        article's, added by the rules: :func:`mutualaid.rules.params_of` gives both. An edition is
        data, and knows no rule.
        """
        params: dict[str, object] = {
            "period_start": self.period.start.toordinal(),
            "period_end": self.period.end.toordinal(),
            "window_days": self.window.days,
            "hospital_min_grade": self.hospital.min_grade,
            "hospital_ownership": self.hospital.ownership,
            "hospital_excluded_kinds": tuple(self.hospital.excluded_kinds),
            "cap_fen": self.cap_fen,
        }
        return params

    @cached_property
    def circumstance_group(self) -> dict[str, str]:
        return {c: key for key, codes in self.exclusions.circumstances.items() for c in codes}

    @cached_property
    def diagnosis_groups(self):
        return CodeGroups({k: (g.include, g.except_, g.unless_with) for k, g in self.exclusions.diagnoses.items()})

    def __hash__(self) -> int:  # frozen data: hashable by its id, equal by its values
        return hash(self.id)

    # Values derived from the data are cached on the instance (cached_property). A copy, such as
    # ``model_copy(update=...)`` for a what-if, must derive them again from its own data.
    def __copy__(self):
        return _without_derived(super().__copy__())

    def __deepcopy__(self, memo=None):
        return _without_derived(super().__deepcopy__(memo))


_T = TypeVar("_T")


def per_edition(fn: Callable[["Edition"], _T]) -> Callable[["Edition"], _T]:
    """``fn(edition)`` computed once for each edition and kept on it (in :attr:`Edition.memo`).

    For what an article reads off an edition's data on every claim (art5.2's tier table): a
    ``cached_property`` of :class:`Edition` would put the article's logic here, and a module-level
    cache would hash and compare whole editions. ``fn`` is pure, so two threads that race compute
    the same value, and either may be kept.
    """

    def cached(edition: "Edition") -> _T:
        memo = edition.memo
        try:
            return memo[fn]
        except KeyError:
            value = memo[fn] = fn(edition)
            return value

    return update_wrapper(cached, fn)


def _without_derived(edition: "Edition") -> "Edition":
    for name, value in vars(Edition).items():
        if isinstance(value, cached_property):
            edition.__dict__.pop(name, None)
    return edition


class InvalidEdition(InvalidClaim):
    """An edition's data breaks its rules; ``errors`` names each bad field (``tiers.1.pays``).

    A kind of :class:`~mutualaid.errors.InvalidClaim`, so that a caller who catches bad input
    catches a bad edition file too, with the same tidy, field-named message.
    """

    def _message(self) -> str:
        return super()._message().replace("bad input:", "bad edition:", 1)

    def __reduce__(self):
        return (InvalidEdition, (list(self.errors), self.total))


def _validated(data: Any) -> Edition:
    """``Edition.model_validate(data)``, with pydantic's errors as :class:`InvalidEdition`."""
    try:
        return Edition.model_validate(data)
    except ValidationError as exc:
        raise InvalidEdition(pydantic_errors(exc)) from None


def load_edition(path: str | Path) -> Edition:
    """Read an edition from a YAML or JSON file; a broken one raises :class:`InvalidEdition`."""
    try:
        data = yamlio.load(Path(path).read_text(encoding="utf-8"))
    except InvalidClaim as exc:  # a repeated key (yamlio.DuplicateKeys), named by its path
        raise InvalidEdition(list(exc.errors), exc.total) from None
    return _validated(data)


_MISSING = object()


def without_stale_references(data: dict) -> dict:
    """``data`` without the references to values it does not have (a variant that left one out)."""
    refs = data.get("references")
    if not refs:
        return data
    values = {k: v for k, v in data.items() if k != "references"}
    kept = {path: ref for path, ref in refs.items() if _at(values, path) is not _MISSING}
    return data if len(kept) == len(refs) else {**data, "references": kept}


def _at(data: Any, path: str) -> Any:
    """The value at a dotted path (``cap.amount``; keys may hold dots, as ``exclusions.diagnoses.art6.10``)."""
    if path in ("", None):
        return _MISSING
    if isinstance(data, dict):
        for key in sorted(data, key=len, reverse=True):
            if path == key:
                return data[key]
            if path.startswith(key + "."):
                found = _at(data[key], path[len(key) + 1 :])
                if found is not _MISSING:
                    return found
    return _MISSING


def _merged(old: Any, new: Any) -> Any:
    """``new`` laid over ``old``: a mapping over a section (a model) field by field, at any depth;
    anything else, a model given whole or a mapping-valued field (``exclusions.circumstances``,
    ``references``) included, replaces the old value."""
    if isinstance(old, BaseModel) and isinstance(new, Mapping) and not isinstance(new, BaseModel):
        out = old.model_dump(mode="python", by_alias=True)
        for key, value in new.items():
            out[key] = _merged(getattr(old, key, None), value)
        return out
    if isinstance(new, BaseModel):
        return new.model_dump(mode="python", by_alias=True)
    return new


class Registry:
    """The editions mutualaid knows by id. Thread-safe; the shipped editions load on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._editions: dict[str, Edition] | None = None
        self._nearest: dict[dt.date, Edition] = {}  # answers of for_accident; emptied on register
        self._by_id_only: frozenset[str] = frozenset()  # found by get(id) only, never by an accident's date

    def _loaded(self) -> dict[str, Edition]:
        if self._editions is None:
            with self._lock:
                if self._editions is None:
                    shipped: dict[str, Edition] = {}
                    for f in sorted(resources.files(__package__).joinpath("editions").iterdir(), key=lambda p: p.name):
                        if f.name.endswith(".yaml"):
                            e = _validated(yamlio.load(f.read_text(encoding="utf-8")))
                            shipped[e.id] = e
                    self._editions = shipped
        return self._editions

    def register(self, edition: Edition, *, replace: bool = False, by_id_only: bool = False) -> Edition:
        """Make ``edition`` known by its id. Re-registering an equal edition is a no-op (a re-run cell).

        With ``by_id_only``, only a claim or a caller that names its id gets it: a claim without a
        ``plan`` is never decided under it, nor is a history entry's payment counted against its cap,
        however its period overlaps (``mutualaid serve --plan FILE`` loads a what-if this way).
        """
        self._loaded()
        with self._lock:
            old = self._editions.get(edition.id)  # type: ignore[union-attr]
            if old is not None and old != edition and not replace:
                raise ValueError(f"an edition {edition.id!r} is already registered; pass replace=True")
            self._editions = {**self._editions, edition.id: edition}  # type: ignore[dict-item]
            only = self._by_id_only - {edition.id}
            self._by_id_only = only | {edition.id} if by_id_only else only
            self._nearest = {}
        return edition

    def get(self, edition_id: str) -> Edition | None:
        return self._loaded().get(edition_id)

    def ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._loaded()))

    def for_accident(self, day: dt.date) -> Edition:
        """The edition whose period holds ``day``; else the nearest in time (CONTRACT §7, "Edition")."""
        editions = self._loaded()
        found = self._nearest.get(day)
        if found is None:
            dated = [e for e in editions.values() if e.id not in self._by_id_only]
            found = min(dated, key=lambda e: (e.period.distance(day), e.period.start, e.id))
            if len(self._nearest) < 4096:
                self._nearest[day] = found
        return found

    def for_history_day(self, day: dt.date) -> Edition | None:
        """The edition whose period holds ``day``, or None."""
        for e in self._loaded().values():
            if e.period.holds(day) and e.id not in self._by_id_only:
                return e
        return None


editions = Registry()


def register(edition: Edition, *, replace: bool = False, by_id_only: bool = False) -> Edition:
    """Make ``edition`` known by its id (:meth:`Registry.register`)."""
    return editions.register(edition, replace=replace, by_id_only=by_id_only)
