"""The Ledger: each member's decided claims, so that a stream of claims is decided with the right history.

``adjudicate(claim, history)`` is pure: it is told the member's earlier decided claims. A claims
backend does not build that history by hand for every claim; it feeds claims as they are filed.
A :class:`Ledger` keeps, for each member, exactly what a later claim's history entry needs
(CONTRACT §1: ``claim_id``, ``accident_id``, ``accident_occurred_on``, ``counted_out_of_pocket``,
``paid``) and decides each new claim through ``adjudicate`` with that history. The cap, top-ups,
editions and the refusal of a claim_id already decided are all ``adjudicate``'s: the Ledger only
chooses what enters the history.

- An approved or denied decision enters the history (a denied claim still counts its out-of-pocket
  toward its accident, CONTRACT §7 "History").
- A pending decision does not: the member supplies what is missing and files the same claim_id
  again, with the same ``filed_on`` (its first filing, CONTRACT §7 "The first filing"). The ledger
  remembers the ``filed_on`` of each claim it pended (per member and claim_id) and refuses, as bad
  input naming ``filed_on``, a claim sent again with another.
- Bad input (:class:`~mutualaid.errors.InvalidClaim`) changes nothing.
- A 身份证 number (``member.id_number``) belongs to the first member id whose claim with it entered
  the history; a claim of another member id with that number is bad input (CONTRACT §7 "Ids": one
  person, one cap).
- **One door** (issue 20): the member id and the 身份证 number are read from the validated claim
  (:mod:`mutualaid.door`), never from the raw text, so every spelling that validates is one person
  and every other spelling is bad input, whichever door the claim came through.

**Cost per claim does not grow with the history** (issue 13, finding 8). Past :attr:`Ledger.FOLD_AFTER`
entries, a member's running sums are kept (per accident, per edition period, the claim ids), and
``adjudicate`` is handed a *folded* history: one entry for the claim's accident with its sums,
and for the member's other payments in the cap's scope a few entries of at most the top tier each,
under ids that cannot collide with the claim's. ``adjudicate`` derives from a history only those
sums, so the decision is the one the full history gives (a differential property test holds it);
its ``record.input_hash`` is then the hash of the folded history. Anything unusual (a history that
is itself bad input, a claim whose accident date disagrees with its history, an edition other than
the registered one of its id) is decided with the full history instead, which names the fields
exactly as ever.

**Threads.** A Ledger may be shared by threads. Two claims of one member are decided one after
the other (a lock per member stripe), the move of the history to disk happens once, under the
ledger's lock, and a 身份证 number is bound under that lock, so two member ids cannot both take it.

**The file** (``save``, ``load``, and ``mutualaid batch --ledger``) is JSON lines: one decided claim
a line, in the shape of a history entry with its ``member_id`` (and its ``filed_on``; files written
before revision 3 have none, and load as they are); a binding of a 身份证 number to a member id
``{"id_number", "member_id"}``; the first filing of a pended claim ``{"pended": claim_id,
"member_id", "filed_on"}``; and the batch's ``{"checkpoint": …}`` lines. Every line
ends in ``"sum"``, a checksum chained over every line before it (BLAKE2b, 128 bits), so a deleted,
added or edited line is refused on load, naming the line. Lines without a sum are accepted only
as a leading block (a backend's own export, sealed by the first line written after it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
from dataclasses import replace
from json.encoder import encode_basestring as _text  # a str as a JSON string, non-ASCII kept (C)
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, NamedTuple, Optional

from pydantic import ValidationError

from ..decide import _yuan, adjudicate  # _yuan: fen as a two-place Decimal, cached
from ..door import _ID_NUMBER, id_key, keys_of, number_key
from ..door import read as read_claim
from ..edition import Edition
from ..errors import FieldError, InvalidClaim
from ..facts import fen
from ..model import Claim, Decision, HistoryEntry, build
from ..spill import SPILL_AFTER, DiskRows
from ..validate import _edition as _edition_of_claim
from ..validate import _pydantic_errors
from ..values import to_date
from .lines import CHECKPOINT_PREFIX, BINDING_PREFIX, PENDED_PREFIX, Chain, binding_line, entry_line, pended_line, scan, unseal
from .memory import MemoryRows, _day, _utf8
from .sums import _registered, _Sums

if TYPE_CHECKING:
    from ..spill import DiskRows


def _get(claim: Any, *path: str) -> Any:
    for key in path:
        claim = claim.get(key) if isinstance(claim, dict) else getattr(claim, key, None)
    return claim


def member_of(claim: Any) -> Optional[str]:
    """The member id of a claim (model or plain data) as validation keeps it, or None where it is not a valid id.

    Read through :func:`mutualaid.door.keys_of`: ``"M-1 "`` is no member (bad input), never ``M-1``.
    """
    return keys_of(claim).member_id


def id_number_of(claim: Any) -> Optional[str]:
    """The claim's ``member.id_number`` as validation keeps it (a lowercase x read as X), or None where absent or bad."""
    return keys_of(claim).id_number


def entry_of(claim: Claim, decision: Decision) -> HistoryEntry:
    """A decided claim as the history entry of the member's later claims (CONTRACT §1).

    ``claim`` is the validated claim (the one door, :func:`mutualaid.door.read`): no key of an
    entry is read from raw text.
    """
    accident = claim.accident
    return build(
        HistoryEntry,
        claim_id=decision.claim_id,
        accident_id=accident.accident_id,
        accident_occurred_on=accident.occurred_on,
        counted_out_of_pocket=decision.counted_out_of_pocket,
        paid=decision.payout,
        filed_on=claim.filed_on,
    )



# --- the Ledger ------------------------------------------------------------------------------------


class Decided(NamedTuple):
    """What :meth:`Ledger.decide_entry` decided and changed: what ``mutualaid batch`` journals."""

    decision: Decision
    entered: Optional[tuple[str, HistoryEntry]] = None
    """(member id, entry) when the claim entered the history (approved or denied)."""
    bound: Optional[str] = None
    """The 身份证 number the claim bound to its member for the first time."""
    pended: Optional[tuple[str, str, dt.date]] = None
    """(member id, claim id, filed_on) when the claim was pended for the first time."""


class Ledger:
    """Each member's decided claims; decides a new claim with the member's history.

    ``plan``, ``engine`` and ``record`` are passed to every ``adjudicate`` call. Deciding a stream
    of claims through a ledger gives exactly the decisions ``adjudicate`` gives when it is handed,
    at each step, every earlier approved or denied claim of the member (in the order decided);
    only ``record.input_hash`` differs past :attr:`FOLD_AFTER` entries (see the module docstring).

    The SQL store (:class:`mutualaid.ledger.sql.SqlLedger`, ``docs/backends.md``) keeps the
    ledger in a database shared by processes. Another store can still be wired in by overriding
    two methods, :meth:`history` and :meth:`remember`; :meth:`decide`,
    :meth:`add` and :meth:`decided` go through them (and then every claim is decided with the
    full history). The whole-ledger methods (``len``, :meth:`members`, :meth:`entries`,
    :meth:`dump`, :meth:`save`, :meth:`load`) are the own store's.
    """

    FOLD_AFTER = 16
    """A member's entries past which the ledger keeps running sums and hands ``adjudicate`` a folded history."""

    def __init__(
        self,
        *,
        plan: Edition | str | None = None,
        engine: str = "native",
        record: bool = True,
        spill_after: Optional[int] = SPILL_AFTER,
    ) -> None:
        self.plan = plan
        self.engine = engine
        self.record = record
        if spill_after is not None and (type(spill_after) is not int or spill_after < 0):
            raise ValueError(f"spill_after is a number of decided claims (0 or more) or None, not {spill_after!r}")
        self.spill_after = spill_after
        """Decided claims held in memory; past this, the history moves to a temporary SQLite file
        (:mod:`mutualaid.spill`), so memory stops growing. ``None``: always in memory."""
        self._rows: MemoryRows | DiskRows = MemoryRows()
        self._count = 0
        self._sums: dict[str, _Sums] = {}
        self._lock = threading.RLock()  # the store, the spill, the bindings, the count
        self._stripes = tuple(threading.RLock() for _ in range(64))  # one member's claims, one at a time
        self._own = type(self).history is Ledger.history and type(self).remember is Ledger.remember

    def _member_lock(self, member_id: Optional[str]) -> Any:
        return self._stripes[hash(member_id) % len(self._stripes)]

    # --- deciding ------------------------------------------------------------------------------

    def decide(self, claim: Any) -> Decision:
        """Decide ``claim`` with the member's history; enter it into the history unless it is pending.

        A claim_id already decided for the member is refused as bad input (``InvalidClaim``
        naming ``claim_id``), so nothing is paid twice; so is a ``member.id_number`` that belongs
        to another member id, and a claim the ledger pended sent again with another ``filed_on``
        (naming ``filed_on``: it keeps its first filing). Bad input changes nothing.
        """
        return self.decide_entry(claim)[0]

    def decide_entry(self, claim: Any) -> "Decided":
        """:meth:`decide`, also giving what it changed (what ``mutualaid batch`` journals): see :class:`Decided`.

        The claim is read through the one door (:func:`mutualaid.door.read`): validated once, its
        member id and 身份证 number read from the validated claim.
        """
        model, (member_id, number) = read_claim(claim)
        with self._member_lock(member_id):
            decision = self._adjudicate(claim if model is None else model, member_id, number, model)
            if decision.outcome == "pending":
                assert model is not None and member_id is not None  # only a valid claim is decided
                with self._lock:
                    if self._rows.pended(member_id, model.claim_id) is not None:
                        return Decided(decision)  # pended before, with this filed_on (else refused)
                    self._rows.pend(member_id, model.claim_id, model.filed_on.toordinal())
                return Decided(decision, pended=(member_id, model.claim_id, model.filed_on))
            assert model is not None and member_id is not None  # a claim without a valid member id is bad input
            entry = entry_of(model, decision)
            with self._lock:
                bound = None
                if number is not None:
                    holder = self._rows.holder(number)
                    if holder is not None and holder != member_id:
                        raise InvalidClaim([self._taken(number, holder)])
                    if holder is None:
                        self._rows.bind(number, member_id)
                        bound = number
                self.remember(member_id, entry)
                self._rows.unpend(member_id, entry.claim_id)
            return Decided(decision, (member_id, entry), bound)

    def grouped(self) -> Any:
        """A context in which several decisions may share one commit (see :meth:`mutualaid.ledger.sql.SqlLedger.grouped`);
        the memory store has nothing to commit."""
        return contextlib.nullcontext()

    def decide_answer(self, claim: Any) -> tuple["Decided", bytes]:
        """:meth:`decide_entry`, and the decision's JSON (the bytes ``batch`` and the service answer).

        A store that keeps decisions (:class:`~mutualaid.ledger.sql.SqlLedger`) answers a re-sent
        claim with the bytes it stored.
        """
        decided = self.decide_entry(claim)
        return decided, decided.decision.__pydantic_serializer__.to_json(decided.decision)

    def pended(self, member_id: str, claim_id: str) -> Optional[dt.date]:
        """The first ``filed_on`` of a claim this ledger pended and that has not been decided since, or None."""
        day = self._rows.pended(member_id, claim_id) if isinstance(member_id, str) and isinstance(claim_id, str) else None
        return _day(day) if day else None

    def pend(self, member_id: str, claim_id: str, filed_on: Any) -> None:
        """Record that a claim was pended, first filed on ``filed_on`` (a pending decided elsewhere, a saved ledger).

        Refused (``InvalidClaim``) when the ids or the date are not valid, when the member has decided
        that claim already, or when the ledger holds another first filing for it.
        """
        errors = self._member_errors(member_id)
        if id_key(claim_id) is None:
            errors.append(FieldError.of("claim_id", "ledger.pended_shape", claim_id))
        try:
            day = to_date(filed_on)
        except (ValueError, TypeError):
            errors.append(FieldError.of("filed_on", "ledger.pended_shape", filed_on))
            day = None
        with self._member_lock(member_id if isinstance(member_id, str) else None), self._lock:
            if not errors and self.decided(member_id, claim_id):
                errors.append(FieldError.of("claim_id", "claim_id.in_ledger", claim_id, claim=repr(claim_id), member=repr(member_id)))
            first = self._rows.pended(member_id, claim_id) if not errors else None
            if first is not None and day is not None and first != day.toordinal():
                errors.append(self._not_first(claim_id, day, first))
            if errors:
                raise InvalidClaim(errors)
            assert day is not None
            self._rows.pend(member_id, claim_id, day.toordinal())

    @staticmethod
    def _taken(number: str, holder: str) -> FieldError:
        return FieldError.of("member.id_number", "id_number.taken", number, holder=repr(holder))

    @staticmethod
    def _not_first(claim_id: str, filed: dt.date, first: int) -> FieldError:
        return FieldError.of("filed_on", "filed_on.not_first_filing", filed, claim=repr(claim_id), first=_day(first), filed=filed)

    def _first_filing(self, claim: Any, member_id: str, model: Optional[Claim]) -> list[FieldError]:
        """``filed_on`` of a claim this ledger pended, sent again with another filing day (CONTRACT §7, "The first filing")."""
        claim_id: Optional[str]
        if model is not None:
            claim_id, filed = model.claim_id, model.filed_on
        else:  # bad input anyway: named too where its ids and date can be read
            claim_id = id_key(_get(claim, "claim_id"))
            try:
                filed = to_date(_get(claim, "filed_on"))
            except (ValueError, TypeError):
                return []
        first = self._rows.pended(member_id, claim_id) if claim_id is not None else None
        if claim_id is None or first is None or filed.toordinal() == first:
            return []
        return [self._not_first(claim_id, filed, first)]

    def _adjudicate(self, claim: Any, member_id: Optional[str], number: Optional[str], model: Optional[Claim] = None) -> Decision:
        """``adjudicate`` with the member's history: folded when the member has running sums."""
        options: dict[str, Any] = {"plan": self.plan, "engine": self.engine, "record": self.record}
        holder = self._rows.holder(number) if number is not None and member_id is not None else None
        taken = [self._taken(number, holder)] if holder is not None and holder != member_id else []  # type: ignore[arg-type]
        if member_id is not None:
            taken = self._first_filing(claim, member_id, model) + taken
        try:
            sums = self._sums.get(member_id) if (self._own and member_id is not None) else None
            folded = self._folded(claim, sums) if sums is not None else None
            if folded is None:
                history = self.history(member_id) if member_id is not None else ()
                decision = adjudicate(claim, history, **options)
            else:
                history, duplicate = folded
                try:
                    decision = adjudicate(claim, history, **options)
                except InvalidClaim as exc:
                    if any(f.startswith("history.") for f in exc.fields):  # the claim's accident date: name it exactly
                        decision = adjudicate(claim, self.history(member_id), **options)  # type: ignore[arg-type]
                    elif duplicate:
                        raise InvalidClaim([*exc.errors, duplicate]) from None
                    else:
                        raise
                if duplicate:
                    raise InvalidClaim([duplicate])
        except InvalidClaim as exc:
            if taken:
                raise InvalidClaim([*exc.errors, *taken]) from None
            raise
        if taken:
            raise InvalidClaim(taken)
        return decision

    def _folded(self, claim: Any, sums: _Sums) -> Optional[tuple[tuple[HistoryEntry, ...], Optional[FieldError]]]:
        """The member's history folded into sums for ``claim``, and the claim_id error if it was decided
        already; or None where only the full history will do (see the module docstring)."""
        if sums.bad:
            return None
        edition, errors = _edition_of_claim(claim, self.plan)
        if edition is None or errors or not _registered(edition):
            return None
        first, last = edition.period.start.toordinal(), edition.period.end.toordinal()
        period = sums.period(first, last)
        top, cap = edition.top_tier_fen, edition.cap_fen
        if period[1] > top or period[0] > cap:
            return None
        claim_id = _get(claim, "claim_id")
        accident_id = _get(claim, "accident", "accident_id")
        duplicate = None
        if isinstance(claim_id, str) and claim_id in sums.claims:
            duplicate = FieldError.of("claim_id", "claim_id.already_decided", claim_id, claim=repr(claim_id))
        ids = [x for x in (claim_id, accident_id) if isinstance(x, str)]
        tag = "~fold-"
        while any(x.startswith(tag) for x in ids):
            tag = "~" + tag
        acc = sums.accidents.get(accident_id) if isinstance(accident_id, str) else None
        folded: list[HistoryEntry] = []
        whole_member = edition.cap.scope == "member"
        in_period = 0
        if acc is not None:
            day, counted, paid, filed = acc
            folded.append(
                build(
                    HistoryEntry,
                    claim_id=tag + "0",
                    accident_id=accident_id,
                    accident_occurred_on=_day(day),
                    counted_out_of_pocket=_yuan(counted),
                    paid=_yuan(paid),
                    filed_on=_day(filed) if filed else None,  # the accident's earliest filing
                )
            )
            if first <= day <= last:
                in_period = paid
        other = (sums.total if whole_member else period[0]) - (acc[2] if acc is not None and (whole_member or in_period) else 0)
        if other + in_period > cap or (other and top <= 0):
            return None
        n = 1
        while other > 0:
            part = min(other, top)
            folded.append(
                build(
                    HistoryEntry,
                    claim_id=f"{tag}{n}",
                    accident_id=f"{tag}{n}",
                    accident_occurred_on=edition.period.start,
                    counted_out_of_pocket=_yuan(0),
                    paid=_yuan(part),
                    filed_on=None,
                )
            )
            other -= part
            n += 1
        return tuple(folded), duplicate

    # --- the storage: override these two to keep the history elsewhere ---------------------------

    def history(self, member_id: str) -> tuple[HistoryEntry, ...]:
        """The member's decided claims, in the order they were decided."""
        rows = self._rows.get(member_id)
        if rows is None:
            return ()
        return tuple(
            build(
                HistoryEntry,
                claim_id=cid,
                accident_id=aid,
                accident_occurred_on=_day(day),
                counted_out_of_pocket=_yuan(counted),
                paid=_yuan(paid),
                filed_on=_day(filed) if filed else None,
            )
            for cid, aid, day, counted, paid, filed in json.loads("[" + rows + "]")
        )

    def remember(self, member_id: str, entry: HistoryEntry) -> None:
        """Enter a decided claim into the member's history (the entry is valid: no check here)."""
        day, counted, paid = entry.accident_occurred_on.toordinal(), fen(entry.counted_out_of_pocket), fen(entry.paid)
        filed = entry.filed_on.toordinal() if entry.filed_on is not None else 0
        row = f"[{_text(entry.claim_id)},{_text(entry.accident_id)},{day},{counted},{paid},{filed}]"
        with self._lock:
            size = self._rows.append(member_id, row)
            sums = self._sums.get(member_id)
            if sums is not None:
                sums.add(entry.claim_id, entry.accident_id, day, counted, paid, filed)
            elif size > 24 * self.FOLD_AFTER and self._own:  # a cheap look before counting
                rows = self._rows.get(member_id) or ""
                if rows.count("],[") >= self.FOLD_AFTER:  # more than FOLD_AFTER entries, this one included
                    sums = self._sums[member_id] = _Sums()
                    for cid, aid, d, c, p, f in json.loads("[" + rows + "]"):
                        sums.add(cid, aid, d, c, p, f)
            self._count += 1
            if self.spill_after is not None and self._count > self.spill_after and type(self._rows) is MemoryRows:
                self._rows = DiskRows(self._rows.blocks(), self._rows.holders(), self._rows.pendings())

    @property
    def spilled(self) -> bool:
        """Whether the history has moved to disk (see ``spill_after``)."""
        return type(self._rows) is not MemoryRows

    # --- entering history from elsewhere -----------------------------------------------------------

    def add(self, member_id: str, entry: HistoryEntry | dict, *, id_number: Optional[str] = None) -> None:
        """Enter a claim decided elsewhere (a backend's database, a saved ledger), after checking it.

        The entry is validated like a history entry; a claim_id the member already has is refused,
        and so is an ``id_number`` (the member's 身份证 number) that belongs to another member id.
        """
        errors = self._member_errors(member_id)
        if not isinstance(entry, HistoryEntry):
            try:
                entry = HistoryEntry.model_validate(entry)
            except ValidationError as exc:
                errors += _pydantic_errors(exc)
        with self._member_lock(member_id if isinstance(member_id, str) else None), self._lock:
            if not errors and self.decided(member_id, entry.claim_id):  # type: ignore[union-attr]
                errors.append(FieldError.of("claim_id", "claim_id.in_ledger", entry.claim_id, claim=repr(entry.claim_id), member=repr(member_id)))  # type: ignore[union-attr]
            if not errors and id_number is not None:
                errors += self._binding_errors(id_number, member_id)
            if errors:
                raise InvalidClaim(errors)
            if id_number is not None:
                self._rows.bind(number_key(id_number), member_id)  # type: ignore[arg-type]
            self.remember(member_id, entry)  # type: ignore[arg-type]
            self._rows.unpend(member_id, entry.claim_id)  # type: ignore[union-attr]

    def bind(self, id_number: str, member_id: str) -> None:
        """Record that a 身份证 number belongs to a member id (a binding decided elsewhere), after checking it."""
        errors = self._member_errors(member_id)
        with self._lock:
            if not errors:
                errors += self._binding_errors(id_number, member_id)
            if errors:
                raise InvalidClaim(errors)
            self._rows.bind(number_key(id_number), member_id)  # type: ignore[arg-type]

    def holder(self, id_number: str) -> Optional[str]:
        """The member id a 身份证 number belongs to in this ledger, or None (also for a number that is not valid)."""
        number = number_key(id_number)
        return self._rows.holder(number) if number is not None else None

    def _binding_errors(self, id_number: Any, member_id: str) -> list[FieldError]:
        """A 身份证 number is bound as validation keeps it (:func:`mutualaid.door.number_key`): a number
        that is not valid (white space, a wrong check digit) is refused, never bound under a spelling."""
        if not isinstance(id_number, str) or not id_number or not _utf8(id_number):
            return [FieldError.of("id_number", "id_number.not_text", id_number)]
        number = number_key(id_number)
        if number is None:
            try:
                _ID_NUMBER.validate_python(id_number)
            except ValidationError as exc:
                return _pydantic_errors(exc, "id_number")
            return [FieldError.of("id_number", "id_number.shape", id_number)]  # pragma: no cover - number_key and the type agree
        holder = self._rows.holder(number)
        if holder is not None and holder != member_id:
            return [FieldError.of("id_number", "id_number.bound_to_other", id_number, holder=repr(holder))]
        return []

    @staticmethod
    def _member_errors(member_id: Any) -> list[FieldError]:
        if not isinstance(member_id, str) or not member_id.strip():
            return [FieldError.of("member_id", "member_id.empty", member_id)]
        if not member_id.isascii() and not _utf8(member_id):
            return [FieldError.of("member_id", "member_id.not_text", member_id)]
        return []

    def decided(self, member_id: str, claim_id: str) -> bool:
        """Whether the member has a decided (approved or denied) claim with this id.

        It reads :meth:`history`, so that a ledger whose history lives in a database answers from
        that database (the own store answers a long history from its sums).
        """
        sums = self._sums.get(member_id) if self._own else None
        if sums is not None:
            return claim_id in sums.claims
        return any(e.claim_id == claim_id for e in self.history(member_id))

    # --- what it holds ----------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of decided claims held."""
        return self._count

    def members(self) -> Iterator[str]:
        """The member ids with a decided claim, in the order they first had one."""
        return iter(self._rows)

    def entries(self) -> Iterator[tuple[str, HistoryEntry]]:
        """Every (member_id, entry), member by member, each member's in the order decided."""
        for member_id in self._rows:
            for entry in self.history(member_id):
                yield member_id, entry

    # --- saving and loading ------------------------------------------------------------------------

    def dump(self, fp: IO[bytes], chain: Optional[Chain] = None) -> None:
        """Write the ledger as sealed JSON lines to a binary file: the bindings of 身份证 numbers, then
        every entry (see :func:`entry_line`). ``chain`` continues another file's chain."""
        chain = chain or Chain()
        for id_number, member_id in self._rows.holders():
            fp.write(chain.seal(binding_line(id_number, member_id)))
        for member_id, entry in self.entries():
            fp.write(chain.seal(entry_line(member_id, entry)))
        for member_id, claim_id, day in self._rows.pendings():
            fp.write(chain.seal(pended_line(member_id, claim_id, _day(day))))

    def save(self, path: str | Path) -> None:
        """Write the ledger to ``path`` (sealed JSON lines), replacing the file atomically."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fp:
            self.dump(fp)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        plan: Edition | str | None = None,
        engine: str = "native",
        record: bool = True,
        keep: Optional[Callable[[str], bool]] = None,
        end: Optional[int] = None,
        spill_after: Optional[int] = SPILL_AFTER,
    ) -> "Ledger":
        """Read a ledger file: its committed entries (see :func:`scan`), each checked, every sum checked.

        A file with anything that is not committed is refused, naming the line (issue 22): a line
        cut short or without its final newline (``ledger.torn_line``), or the entries of a batch
        run that did not finish (``ledger.uncommitted``: resume that run first). Nothing is dropped.

        ``keep`` chooses members (``mutualaid batch --jobs`` gives each process its share; the
        bindings of 身份证 numbers are read whole); ``end`` reads only that many leading bytes (a
        batch that is appending to the file reads what was committed when it started). A malformed
        or edited line raises ``InvalidClaim`` naming ``ledger.LINE`` (and the field, for an entry).
        """
        ledger = cls(plan=plan, engine=engine, record=record, spill_after=spill_after)
        if end is None:  # a caller's own file: every byte must be committed (batch, resuming, gives end)
            end = scan(path, strict=True).end
        with open(path, "rb") as fp:
            for number, raw in _lines(fp, end):
                payload, _ = unseal(raw.rstrip(b"\r\n"))
                if payload.startswith(CHECKPOINT_PREFIX):
                    continue
                ledger._load_line(number, payload, keep)
        return ledger

    def _load_line(self, number: int, raw: bytes, keep: Optional[Callable[[str], bool]]) -> None:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise InvalidClaim([FieldError.of(f"ledger.{number}", "ledger.not_json", detail=exc)]) from None
        if not isinstance(data, dict):
            raise InvalidClaim([FieldError.of(f"ledger.{number}", "ledger.not_object", data)])
        data = dict(data)
        member_id = data.pop("member_id", None)
        try:
            if raw.startswith(BINDING_PREFIX):
                if set(data) != {"id_number"}:
                    raise InvalidClaim([FieldError.of("id_number", "ledger.binding_shape", sorted(data))])
                self.bind(data["id_number"], member_id)
                return
            if keep is not None and isinstance(member_id, str) and not keep(member_id):
                return
            if raw.startswith(PENDED_PREFIX):
                if set(data) != {"pended", "filed_on"}:
                    raise InvalidClaim([FieldError.of("pended", "ledger.pended_shape", sorted(data))])
                self.pend(member_id, data["pended"], data["filed_on"])
                return
            self.add(member_id, data)
        except InvalidClaim as exc:
            raise InvalidClaim([replace(e, field=f"ledger.{number}.{e.field}") for e in exc.errors]) from None


def _lines(fp: IO[bytes], end: int) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) for the non-blank lines of the first ``end`` bytes."""
    done = 0
    for number, raw in enumerate(fp, 1):
        done += len(raw)
        if done > end:
            return
        if raw.strip():
            yield number, raw
