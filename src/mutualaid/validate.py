"""Bad input (CONTRACT §5 and §7): turn plain data into models, or name every offending field.

Field-by-field checks live in the models' types. The checks here span fields: dates against
each other, the history against the claim, the top tier and the cap. Each is written once, as a
small function over plain values that returns its :class:`FieldError` or None; the two that
第五条 rules out (a history paid above the top tier, or above the cap) live with their clauses in
:mod:`mutualaid.rules.art5`.

The checks read the models. Where a model could not be built, they read the raw data through a
lenient view with the models' attribute names (:class:`_Lenient`), so that one bad amount does
not hide a filing date before the accident. A validated claim (the usual case) is read as it is:
no copy of the checks runs only for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Annotated, Any, Callable, Iterable, Sequence

from pydantic import Field, TypeAdapter, ValidationError

from .edition import Edition, editions
from .errors import ERRORS_LISTED, MISSING, FieldError, InvalidClaim, quote, shown
from .idcard import birth_date, normalize_id_number
from .model import DIAGNOSES_MAX, HISTORY_MAX, ITEMS_MAX, LIST_MAX, TREATMENTS_MAX, Claim, HistoryEntry, Item
from . import plan as _plan  # _plan.resolve, looked up when called (tests/test_plan_resolve.py spies on it)
from .pydantic_errors import _field_error  # noqa: F401 - the service codes its own pydantic errors with it
from .pydantic_errors import pydantic_errors as _pydantic_errors, pydantic_errors_up_to as _pydantic_errors_up_to
from .quick_schema import quick
from .rules import art5
from .values import FEN, to_date, to_money

_entry_adapter = TypeAdapter(HistoryEntry)
_history_adapter = TypeAdapter(Annotated[tuple[HistoryEntry, ...], Field(max_length=HISTORY_MAX)])
# The usual claim and history read in pydantic-core alone; what these refuse is read again by the
# models' own validators, whose errors are the ones listed (mutualaid.quick_schema).
_quick_claim = quick(Claim)
_quick_history = quick(_history_adapter.core_schema)


def _get(obj: Any, *path: Any) -> Any:
    """A field of a model or of raw data, or None where the path does not exist."""
    for key in path:
        if obj is None:
            return None
        if isinstance(key, int):
            obj = obj[key] if isinstance(obj, (list, tuple)) and -len(obj) <= key < len(obj) else None
        elif isinstance(obj, dict):
            obj = obj.get(key)
        else:
            obj = getattr(obj, key, None)
    return obj


def _date(value: Any) -> dt.date | None:
    try:
        return to_date(value)
    except (ValueError, TypeError):
        return None


def _money(value: Any):
    try:
        return to_money(value)
    except (ValueError, TypeError):
        return None


def _id_number(value: Any) -> str | None:
    try:
        return normalize_id_number(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _key(value: Any) -> str | None:
    """An id usable as a key: ids are strings; anything else was already reported by the models."""
    return value if isinstance(value, str) else None


def _seq(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def parse(claim: Any, history: Any = (), plan: Edition | str | None = None) -> tuple[Claim, tuple[HistoryEntry, ...], Edition]:
    """Validate a claim and its history; return the models and the edition that decides the claim.

    Raises :class:`InvalidClaim` naming every offending field.
    """
    errors: list[FieldError] = []
    unlisted = 0  # offending fields counted, not listed (a big claim past the cap: _validate_big)

    model: Claim | None = None
    if isinstance(claim, Claim):
        model = claim
        if too_long := _long_history(history):
            raise InvalidClaim(too_long)
    else:
        too_big, items = _oversized(claim, history) if type(claim) is dict else (_long_history(history), 0)
        if too_big:  # refused before the rest is read
            raise InvalidClaim(too_big)
    # The edition is resolved once, from the claim as given, before the claim is validated against
    # it; an unknown plan is listed after the fields' own errors, as it always was.
    edition, plan_errors = _edition(claim, plan)
    if model is None:
        if items > ITEMS_MAX:  # a big claim: validated in parts, its errors listed up to the cap
            errors, unlisted = _validate_big(claim)
        if not errors:
            try:
                model = _quick_claim.validate_python(claim)
            except ValidationError:
                pass
        if not errors and model is None:
            try:
                model = Claim.model_validate(claim)
            except ValidationError as exc:
                # Past the cap, the rest are counted, not built (1,000 empty items: 3,000 errors).
                listed, unlisted = _pydantic_errors_up_to(exc, limit=ERRORS_LISTED if exc.error_count() > ERRORS_LISTED else None)
                errors += listed

    entries: tuple[HistoryEntry, ...] | None = None
    if history is None:
        history = ()
    if not history and isinstance(history, (list, tuple)):
        entries = ()
    elif not isinstance(history, (list, tuple)):
        errors.append(FieldError.of("history", "history.not_a_list", history))
        history = ()
    elif all(isinstance(h, HistoryEntry) for h in history):
        entries = tuple(history)
    else:
        try:
            entries = _quick_history.validate_python(tuple(history))
        except ValidationError:
            pass
    if entries is None and history:
        try:
            entries = _history_adapter.validate_python(tuple(history))
        except ValidationError as exc:
            if exc.error_count() <= ERRORS_LISTED - len(errors):
                errors += _pydantic_errors(exc, "history")
            else:
                more, uncounted = _history_errors(history)
                errors += more
                unlisted += uncounted

    errors += plan_errors
    if unlisted:  # past the cap already: the checks across fields would only add to the count
        raise InvalidClaim(errors, total=len(errors) + unlisted)
    # The checks across fields read the models, or the raw data where a model could not be built.
    checked_claim = model if model is not None else _Lenient(claim)
    checked_history = entries if entries is not None else _views(history)
    errors += _claim_cross_checks(checked_claim)
    errors += _history_checks(checked_claim, checked_history, edition)

    if errors:
        raise InvalidClaim(_dedupe(errors))
    assert model is not None and entries is not None and edition is not None
    return model, entries, edition


def _size_error(field: str, value: Any, limit: int) -> FieldError | None:
    if type(value) in (list, tuple) and len(value) > limit:
        return FieldError.of(field, "field.too_many", MISSING, field_type="List", max_length=limit, actual_length=len(value))
    return None


_LISTS = (list, tuple)


def _long_history(history: Any) -> list[FieldError]:
    e = _size_error("history", history, HISTORY_MAX)
    return [e] if e is not None else []


def _oversized(claim: dict, history: Any) -> tuple[list[FieldError], int]:
    """CONTRACT §7 (revision 3), "Sizes": the lists of raw data longer than the contract allows,
    found by their lengths alone, before pydantic walks them (it validates every element of a list
    before it checks the list's length: 200,000 items would build 600,000 errors first); and how
    many items the claim holds in all."""
    items = 0
    fits = True
    treatments: Any = claim.get("treatments")
    its: Any
    if type(treatments) in _LISTS:  # the usual claim: its lengths only
        fits = len(treatments) <= TREATMENTS_MAX
        for t in treatments if fits else ():
            if type(t) is dict:
                its = t.get("items")
                if type(its) in _LISTS:
                    n = len(its)
                    items += n
                    if n > ITEMS_MAX:
                        fits = False
                d: Any = t.get("diagnoses")
                if type(d) in _LISTS and len(d) > DIAGNOSES_MAX:
                    fits = False
    accident: Any = claim.get("accident")
    circumstances: Any = accident.get("circumstances") if type(accident) is dict else None
    documents: Any = claim.get("documents")
    if (
        fits
        and (type(circumstances) not in _LISTS or len(circumstances) <= LIST_MAX)
        and (type(documents) not in _LISTS or len(documents) <= LIST_MAX)
        and (type(history) not in _LISTS or len(history) <= HISTORY_MAX)
    ):
        return [], items
    found = []
    items = 0
    if e := _size_error("treatments", treatments, TREATMENTS_MAX):
        found.append(e)
    elif type(treatments) in (list, tuple):
        for i, t in enumerate(treatments):
            if type(t) is dict:
                if e := _size_error(f"treatments.{i}.diagnoses", t.get("diagnoses"), DIAGNOSES_MAX):
                    found.append(e)
                its = t.get("items")
                if type(its) in (list, tuple):
                    items += len(its)
                    if e := _size_error(f"treatments.{i}.items", its, ITEMS_MAX):
                        found.append(e)
    if type(accident) is dict and (e := _size_error("accident.circumstances", accident.get("circumstances"), LIST_MAX)):
        found.append(e)
    if e := _size_error("documents", claim.get("documents"), LIST_MAX):
        found.append(e)
    if e := _size_error("history", history, HISTORY_MAX):
        found.append(e)
    return found, items


_items_adapter = TypeAdapter(tuple[Item, ...])


def _validate_big(claim: dict) -> tuple[list[FieldError], int]:
    """A claim of many items with more than :data:`ERRORS_LISTED` offending fields: its errors
    listed up to the cap, and how many more were counted (CONTRACT §5: a small input never makes a
    huge error). Validated in parts, the claim without its items, then each treatment's items, and
    pydantic's errors are turned into :class:`FieldError` objects only until the cap is reached:
    the rest are counted (``error_count``), never built."""
    treatments = claim["treatments"]
    skeleton = {**claim, "treatments": [{**t, "items": []} if isinstance(t, dict) else t for t in treatments]}
    errors: list[FieldError] = []
    try:
        Claim.model_validate(skeleton)
    except ValidationError as exc:
        errors += _pydantic_errors(exc)
    items = [(i, t.get("items")) for i, t in enumerate(treatments) if isinstance(t, dict)]
    unlisted = _listed_up_to_cap(errors, ((f"treatments.{i}.items", _items_adapter, its) for i, its in items if isinstance(its, (list, tuple))))
    return errors, unlisted


def _listed_up_to_cap(errors: list[FieldError], parts: Iterable[tuple[str, TypeAdapter, Any]]) -> int:
    """Validate each part (its path, its adapter, its data) and add its errors to ``errors`` until
    :data:`ERRORS_LISTED` are listed; how many more were counted (``error_count``), never built."""
    unlisted = 0
    for prefix, adapter, data in parts:
        try:
            adapter.validate_python(data)
        except ValidationError as exc:
            if len(errors) < ERRORS_LISTED:
                listed, more = _pydantic_errors_up_to(exc, prefix, ERRORS_LISTED - len(errors))
                errors += listed
                unlisted += more
            else:
                unlisted += exc.error_count()
    return unlisted


def _history_errors(history: list | tuple) -> tuple[list[FieldError], int]:
    """A history with more than :data:`ERRORS_LISTED` offending fields: its errors listed up to the
    cap, entry by entry, and how many more were counted, never built (10,000 empty entries made
    50,000 errors, 1.5 s of work, for an answer that lists 100 of them)."""
    errors: list[FieldError] = []
    unlisted = _listed_up_to_cap(errors, ((f"history.{i}", _entry_adapter, entry) for i, entry in enumerate(history)))
    return errors, unlisted


def _dedupe(errors: Iterable[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


def _edition(claim: Any, plan: Edition | str | None) -> tuple[Edition | None, list[FieldError]]:
    """The edition ``claim`` is decided under: ``plan``, else the claim's ``plan``, else the accident's.

    ``plan`` and the claim's ``plan`` are read as ids (:func:`~mutualaid.plan.resolve` with
    ``files=False``): the library never opens a file a claim names. An unknown id is the field ``plan``.
    """
    if isinstance(plan, Edition):
        return plan, []
    if plan is None and isinstance(claim, Claim) and claim.plan is None:  # the usual case
        return editions.for_accident(claim.accident.occurred_on), []
    if plan is None and type(claim) is dict and claim.get("plan") is None:  # the usual case, as plain data
        accident = claim.get("accident")
        occurred = _date(accident.get("occurred_on")) if type(accident) is dict else None
        return (editions.for_accident(occurred) if occurred else None), []
    wanted = plan if plan is not None else _get(claim, "plan")
    if wanted is not None:
        try:
            return _plan.resolve(wanted, files=False), []
        except _plan.UnknownEdition as exc:
            return None, [FieldError.from_exception("plan", exc, wanted)]
    occurred = _date(_get(claim, "accident", "occurred_on"))
    return (editions.for_accident(occurred) if occurred else None), []


# --- raw data seen through the models' shape -------------------------------------------------------


def _same(value: Any) -> Any:
    return value


def _view(value: Any) -> _Lenient:
    return _Lenient(value)


def _views(value: Any) -> list[_Lenient]:
    return [_Lenient(v) for v in _seq(value)]


_AS_THE_MODEL_HOLDS_IT: dict[str, Callable[[Any], Any]] = {
    "claim_id": _key,
    "accident_id": _key,
    "treatment_id": _key,
    "filed_on": _date,
    "occurred_on": _date,
    "on": _date,
    "category": _same,
    "medication_use": _same,
    "accident_occurred_on": _date,
    "paid": _money,
    "id_number": _id_number,
    "holder_id_number": _id_number,
    "member": _view,
    "accident": _view,
    "payee": _view,
    "treatments": _views,
    "items": _views,
}
"""The fields that the cross-field checks read, each with how raw data is read into its type."""


class _Lenient:
    """Raw data (a model could not be built from it) read with the models' attribute names.

    Each field the checks read comes as the model would hold it, or as None where it is absent or
    unreadable (that field's own error comes from the models), so that the checks run unchanged on
    the fields that are fine: one bad amount does not hide a filing date before the accident. A
    nested part is always a view (of None, if need be), a list of parts a list of views.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Any) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        read = _AS_THE_MODEL_HOLDS_IT.get(name)
        if read is None:
            raise AttributeError(name)
        return read(_get(self._data, name))


# --- the checks across a claim's fields, each written once, over plain values ---------------------


def treatment_id_unusable(i: int, tid: str | None, earlier: set) -> FieldError | None:
    """Treatment ids name the subjects of reasons (``T1``, ``T1/2``): each must be unique and free of ``/``."""
    if tid is None:
        return None
    if "/" in tid:
        return FieldError.of(f"treatments.{i}.treatment_id", "treatment_id.slash", tid, value=quote(tid))
    if tid in earlier:
        return FieldError.of(f"treatments.{i}.treatment_id", "treatment_id.duplicate", tid, value=quote(tid))
    return None


def filed_before_accident(filed: dt.date | None, occurred: dt.date | None, field: str = "filed_on") -> FieldError | None:
    """CONTRACT §7, "Which field an error names": filed before the accident → ``filed_on`` (a history
    entry's: ``history.N.filed_on``)."""
    if filed and occurred and filed < occurred:
        return FieldError.of(field, "filed_on.before_accident", filed, filed=filed, occurred=occurred)
    return None


def born_after_filing(field: str, number: str | None, filed: dt.date | None) -> FieldError | None:
    """CONTRACT §7 (revision 2): a 身份证 number's birth date lies no later than ``filed_on``.

    Judged against the filing date, never against today: a decision never reads the wall clock.
    """
    born = birth_date(number) if number and filed else None
    if born and filed and born > filed:
        return FieldError.of(field, "id_number.born_after_filing", number, born=born, filed=filed)
    return None


def cost_after_filing(i: int, j: int, on: dt.date | None, filed: dt.date | None) -> FieldError | None:
    """CONTRACT §7, "Dates": a claim cannot include a cost that has not yet been incurred."""
    if on and filed and on > filed:
        return FieldError.of(f"treatments.{i}.items.{j}.on", "item.on_after_filing", on, on=on, filed=filed)
    return None


def medication_use_off_medication(i: int, j: int, category: Any, use: Any) -> FieldError | None:
    """CONTRACT §7: ``medication_use`` applies to medication items only (an unknown category is
    reported by the models, and still shows here that the item is not a medication)."""
    if use is not None and isinstance(category, str) and category != "medication":
        return FieldError.of(f"treatments.{i}.items.{j}.medication_use", "medication_use.not_medication", use, category=category)
    return None


def _claim_cross_checks(claim: Claim | _Lenient) -> list[FieldError]:
    """Every check above on a validated claim or a lenient view of raw data, in the order errors are
    listed: treatment ids, the filing date, the 身份证 numbers, then item by item."""
    filed = claim.filed_on
    payee = claim.payee
    treatments = claim.treatments
    errors: list[FieldError] = []
    earlier: set = set()
    # Each check's function runs only where its cheap test trips (it returns None otherwise).
    for i, t in enumerate(treatments):
        tid = t.treatment_id
        if tid is not None and ("/" in tid or tid in earlier) and (e := treatment_id_unusable(i, tid, earlier)):
            errors.append(e)
        earlier.add(tid)
    occurred = claim.accident.occurred_on
    if filed is not None and occurred is not None and filed < occurred and (e := filed_before_accident(filed, occurred)):
        errors.append(e)
    if e := born_after_filing("member.id_number", claim.member.id_number, filed):
        errors.append(e)
    if e := born_after_filing("payee.holder_id_number", payee.holder_id_number if payee is not None else None, filed):
        errors.append(e)
    for i, t in enumerate(treatments):
        for j, it in enumerate(t.items):
            on, use = it.on, it.medication_use
            if on is not None and filed is not None and on > filed and (e := cost_after_filing(i, j, on, filed)):
                errors.append(e)
            if use is not None and it.category != "medication" and (e := medication_use_off_medication(i, j, it.category, use)):
                errors.append(e)
    return errors


# --- the history, against itself and against the claim -----------------------------------------


def claim_already_decided(claim_id: str | None, history_ids: set) -> FieldError | None:
    """CONTRACT §7: a claim already in history → ``claim_id`` (history holds decided claims)."""
    if claim_id is not None and claim_id in history_ids:
        return FieldError.of("claim_id", "claim_id.already_decided", claim_id, claim=quote(claim_id))
    return None


def claim_twice_in_history(n: int, cid: str | None, earlier: set) -> FieldError | None:
    """CONTRACT §7: two history entries with the same claim_id → the later one's ``history.N.claim_id``."""
    if cid is not None and cid in earlier:
        return FieldError.of(f"history.{n}.claim_id", "claim_id.duplicate", cid, claim=quote(cid))
    return None


def accident_dates_differ(n: int, aid: str, known: dt.date, day: dt.date) -> FieldError | None:
    """CONTRACT §7: an accident date mismatch → ``history.N.accident_occurred_on``.

    ``known`` is the date the claim, or an earlier entry, gives the same accident.
    """
    if known != day:
        return FieldError.of(f"history.{n}.accident_occurred_on", "history.accident_date_differs", day, accident=quote(aid), known=known, day=day)
    return None


def _history_checks(
    claim: Claim | _Lenient, history: Sequence[HistoryEntry | _Lenient], edition: Edition | None
) -> list[FieldError]:
    """The history's faults entry by entry, a claim already decided first.

    Payments are summed per accident and per edition as the entries come, so that the entry that
    goes over the top tier or the cap is the one named (art5.2, art5.3: :mod:`mutualaid.rules.art5`).
    """
    if not history:
        return []
    accident = claim.accident
    errors: list[FieldError] = []
    ids: set = set()
    accident_dates: dict[Any, dt.date] = {}
    if accident.accident_id is not None and accident.occurred_on is not None:
        accident_dates[accident.accident_id] = accident.occurred_on
    paid_by_accident: dict[Any, int] = {}  # fen
    paid_by_edition: dict[str, int] = {}  # fen

    # The usual entry is new, of a known accident date, filed after it and in the deciding
    # edition's period: each of validate's own checks runs only where its cheap test trips (each
    # returns None otherwise). The top tier and the cap are art5's to judge, entry by entry.
    start, end = (edition.period.start, edition.period.end) if edition is not None else (dt.date.max, dt.date.min)
    above_top_tier, above_cap = art5.history_above_top_tier, art5.history_above_cap  # art5's, looked up once a history
    setdate = accident_dates.setdefault
    for n, h in enumerate(history):
        cid, aid, day = h.claim_id, h.accident_id, h.accident_occurred_on
        if cid in ids:
            if e := claim_twice_in_history(n, cid, ids):
                errors.append(e)
        elif cid is not None:
            ids.add(cid)
        if aid is None or day is None:
            continue
        filed = h.filed_on
        if filed is not None and filed < day and (e := filed_before_accident(filed, day, f"history.{n}.filed_on")):
            errors.append(e)
        known = setdate(aid, day)
        if known != day and (e := accident_dates_differ(n, aid, known, day)):
            errors.append(e)
        paid = h.paid
        if paid is None:
            continue
        ed = edition if edition is not None and start <= day <= end else editions.for_history_day(day)
        if ed is None:
            continue
        try:  # FEN: each amount's fen once (mutualaid.values); anything else as scaleb always read it
            fen = FEN[paid] if type(paid) is Decimal else int(paid.scaleb(2))
        except TypeError:  # a signalling NaN is no key; scaleb raises as it always did
            fen = int(paid.scaleb(2))
        on_accident = paid_by_accident[aid] = paid_by_accident.get(aid, 0) + fen
        if e := above_top_tier(n, aid, on_accident, ed):
            errors.append(replace(e, value=shown(paid)) if e.value is None else e)  # the entry's own payment
        on_edition = paid_by_edition[ed.id] = paid_by_edition.get(ed.id, 0) + fen
        if e := above_cap(n, on_edition, ed):
            errors.append(replace(e, value=shown(paid)) if e.value is None else e)
    if e := claim_already_decided(claim.claim_id, ids):
        errors.insert(0, e)
    return errors
