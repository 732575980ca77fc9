"""Bad input (CONTRACT §5 and §7): turn plain data into models, or name every offending field.

Field-by-field checks live in the models' types. The checks here span fields: dates against
each other, the history against the claim and the cap. They read the raw data where the models
could not be built, so that one bad amount does not hide a filing date before the accident.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from .edition import Edition, editions
from .errors import FieldError, InvalidClaim, quote
from .idcard import birth_date, normalize_id_number
from .model import Claim, HistoryEntry
from .values import to_date, to_money

_history_adapter = TypeAdapter(tuple[HistoryEntry, ...])


def _path(loc: tuple, prefix: str = "") -> str:
    parts = [prefix] if prefix else []
    parts += [str(p) for p in loc]
    return ".".join(parts) or "claim"


def _pydantic_errors(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    out = []
    errs = exc.errors(include_url=False, include_input=False)
    deeper = {e["loc"][:k] for e in errs for k in range(len(e["loc"]))}
    for e in errs:
        if e["type"] == "too_short" and e["loc"] in deeper:
            continue  # "at least 1 item after validation": only because an item inside was bad
        msg = e["msg"]
        if e["type"] == "string_unicode":
            msg = "text with a lone surrogate (an unpaired \\ud800–\\udfff escape) is not Unicode"
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        out.append(FieldError(_path(e["loc"], prefix), msg))
    return out


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

    model: Claim | None = None
    if isinstance(claim, Claim):
        model = claim
    else:
        try:
            model = Claim.model_validate(claim)
        except ValidationError as exc:
            errors += _pydantic_errors(exc)
    raw_claim = model if model is not None else claim

    entries: tuple[HistoryEntry, ...] | None = None
    if history is None:
        history = ()
    if not history and isinstance(history, (list, tuple)):
        entries = ()
    elif not isinstance(history, (list, tuple)):
        errors.append(FieldError("history", "history is a list of earlier decided claims"))
        history = ()
    elif all(isinstance(h, HistoryEntry) for h in history):
        entries = tuple(history)
    else:
        try:
            entries = _history_adapter.validate_python(tuple(history))
        except ValidationError as exc:
            errors += _pydantic_errors(exc, "history")
    raw_history = entries if entries is not None else history

    edition, plan_errors = _edition(raw_claim, plan)
    errors += plan_errors
    errors += _claim_cross_checks(raw_claim)
    errors += _history_checks(raw_claim, raw_history, edition)

    if errors:
        raise InvalidClaim(_dedupe(errors))
    assert model is not None and entries is not None and edition is not None
    return model, entries, edition


def _dedupe(errors: Iterable[FieldError]) -> list[FieldError]:
    return list(dict.fromkeys(errors))


def _edition(claim: Any, plan: Edition | str | None) -> tuple[Edition | None, list[FieldError]]:
    if isinstance(plan, Edition):
        return plan, []
    if plan is None and isinstance(claim, Claim) and claim.plan is None:  # the usual case
        return editions.for_accident(claim.accident.occurred_on), []
    wanted = plan if plan is not None else _get(claim, "plan")
    if wanted is not None:
        found = editions.get(wanted) if isinstance(wanted, str) else None
        if found is None:
            known = ", ".join(editions.ids())
            return None, [FieldError("plan", f"{quote(wanted)} names no known edition (known: {known})")]
        return found, []
    occurred = _date(_get(claim, "accident", "occurred_on"))
    return (editions.for_accident(occurred) if occurred else None), []


def _claim_cross_checks(claim: Any) -> list[FieldError]:
    if isinstance(claim, Claim):  # every field already validated: look for a fault before listing
        if _sound(claim):
            return []
        filed: dt.date | None = claim.filed_on
        occurred: dt.date | None = claim.accident.occurred_on
        items: list[tuple] = [
            (i, j, it.on, it.category, it.medication_use)
            for i, t in enumerate(claim.treatments)
            for j, it in enumerate(t.items)
        ]
        id_numbers = [
            ("member.id_number", claim.member.id_number),
            ("payee.holder_id_number", claim.payee.holder_id_number if claim.payee else None),
        ]
    else:
        occurred, filed = _date(_get(claim, "accident", "occurred_on")), _date(_get(claim, "filed_on"))
        items = [
            (i, j, _date(_get(it, "on")), _get(it, "category"), _get(it, "medication_use"))
            for i, t in enumerate(_seq(_get(claim, "treatments")))
            for j, it in enumerate(_seq(_get(t, "items")))
        ]
        id_numbers = [
            ("member.id_number", _id_number(_get(claim, "member", "id_number"))),
            ("payee.holder_id_number", _id_number(_get(claim, "payee", "holder_id_number"))),
        ]
    errors = _treatment_id_checks(claim)
    if occurred and filed and filed < occurred:
        errors.append(FieldError("filed_on", f"filed on {filed} before the accident on {occurred}"))
    for field, number in id_numbers:
        born = birth_date(number) if number and filed else None
        if born and filed and born > filed:
            errors.append(FieldError(field, f"the birth date {born} in the 身份证 number is after the filing date {filed}"))
    for i, j, on, category, use in items:
        if on and filed and on > filed:
            errors.append(FieldError(f"treatments.{i}.items.{j}.on", f"a cost on {on} is after the filing date {filed}"))
        if use is not None and isinstance(category, str) and category != "medication":
            errors.append(
                FieldError(
                    f"treatments.{i}.items.{j}.medication_use",
                    f"medication_use applies to medication items only, not to a {category} item",
                )
            )
    return errors


def _sound(claim: Claim) -> bool:
    """Whether a validated claim passes every check of ``_claim_cross_checks`` (the usual case, quickly)."""
    filed = claim.filed_on
    if claim.accident.occurred_on > filed:
        return False
    for number in (claim.member.id_number, claim.payee.holder_id_number if claim.payee else None):
        if number and birth_date(number) > filed:  # type: ignore[operator]  # a validated number has one
            return False
    ids = set()
    for t in claim.treatments:
        tid = t.treatment_id
        if tid in ids or "/" in tid:
            return False
        ids.add(tid)
        for it in t.items:
            if it.on > filed or (it.medication_use is not None and it.category != "medication"):
                return False
    return True


def _treatment_id_checks(claim: Any) -> list[FieldError]:
    """Treatment ids name the subjects of reasons (``T1``, ``T1/2``): each must be unique and free of ``/``."""
    errors, seen = [], set()
    for i, t in enumerate(_seq(_get(claim, "treatments"))):
        tid = _key(_get(t, "treatment_id"))
        if tid is None:
            continue
        if "/" in tid:
            errors.append(FieldError(f"treatments.{i}.treatment_id", f"{quote(tid)}: a treatment id may not contain '/'"))
        elif tid in seen:
            errors.append(FieldError(f"treatments.{i}.treatment_id", f"treatment id {quote(tid)} stands twice in the claim"))
        seen.add(tid)
    return errors


def _history_checks(claim: Any, history: Any, edition: Edition | None) -> list[FieldError]:
    claim_id: str | None
    accident_id: str | None
    occurred: dt.date | None
    if isinstance(claim, Claim):
        claim_id, accident_id, occurred = claim.claim_id, claim.accident.accident_id, claim.accident.occurred_on
    else:
        claim_id = _key(_get(claim, "claim_id"))
        accident_id = _key(_get(claim, "accident", "accident_id"))
        occurred = _date(_get(claim, "accident", "occurred_on"))
    if not history:
        return []
    if all(isinstance(h, HistoryEntry) for h in history):
        rows = [(h.claim_id, h.accident_id, h.accident_occurred_on, h.paid) for h in history]
    else:
        rows = [
            (
                _key(_get(h, "claim_id")),
                _key(_get(h, "accident_id")),
                _date(_get(h, "accident_occurred_on")),
                _money(_get(h, "paid")),
            )
            for h in _seq(history)
        ]

    errors = []
    seen_ids: set = set()
    accident_dates: dict[Any, dt.date] = {}
    if accident_id is not None and occurred is not None:
        accident_dates[accident_id] = occurred
    paid_by_accident: dict[Any, int] = {}  # fen
    paid_by_edition: dict[str, int] = {}  # fen
    claim_in_history = False

    for n, (cid, aid, day, paid) in enumerate(rows):
        if cid is not None:
            if cid == claim_id:
                claim_in_history = True
            if cid in seen_ids:
                errors.append(FieldError(f"history.{n}.claim_id", f"claim {quote(cid)} stands twice in history"))
            seen_ids.add(cid)
        if aid is None or day is None:
            continue
        known = accident_dates.setdefault(aid, day)
        if known != day:
            errors.append(
                FieldError(f"history.{n}.accident_occurred_on", f"accident {quote(aid)} occurred on {known}, not on {day}")
            )
        if paid is None:
            continue
        ed = _edition_of_history_day(day, edition)
        if ed is None:
            continue
        fen = int(paid * 100)
        total = paid_by_accident[aid] = paid_by_accident.get(aid, 0) + fen
        if total > ed.top_tier_fen:
            errors.append(
                FieldError(
                    f"history.{n}.paid",
                    f"payments for accident {quote(aid)} exceed the top tier ({ed.top_tier_fen // 100} yuan)",
                )
            )
        total = paid_by_edition[ed.id] = paid_by_edition.get(ed.id, 0) + fen
        if total > ed.cap_fen:
            errors.append(
                FieldError(f"history.{n}.paid", f"payments in edition {ed.id} exceed its cap of {ed.cap_fen // 100} yuan")
            )
    if claim_in_history:
        errors.insert(0, FieldError("claim_id", f"claim {quote(claim_id)} has already been decided (it stands in history)"))
    return errors


def _edition_of_history_day(day: dt.date, edition: Edition | None) -> Edition | None:
    if edition is not None and edition.period.start <= day <= edition.period.end:
        return edition
    return editions.for_history_day(day)
