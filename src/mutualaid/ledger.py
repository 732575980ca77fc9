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
  again.
- Bad input (:class:`~mutualaid.errors.InvalidClaim`) changes nothing.

A ledger is saved and loaded as JSON lines, one decided claim a line, in the shape of a history
entry with its ``member_id``. ``mutualaid batch`` also writes ``{"checkpoint": …}`` lines into the
same file, so that a killed run resumes where its output was last made durable: entries after the
last checkpoint of an unfinished run are not yet committed, and :meth:`Ledger.load` leaves them out.

Memory: a member's entries are held as one compact string, not as models: about 95 bytes a
decided claim, member ids and the dictionary included (960,000 decided claims of 300,000 members
take about 90 MB).
"""

from __future__ import annotations

import datetime as dt
import json
from json.encoder import encode_basestring as _text  # a str as a JSON string, non-ASCII kept (C)
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator, Optional

from pydantic import ValidationError

from .decide import _yuan, adjudicate  # _yuan: fen as a two-place Decimal, cached
from .edition import Edition
from .errors import FieldError, InvalidClaim
from .facts import fen
from .model import Claim, Decision, HistoryEntry, build
from .spill import SPILL_AFTER
from .validate import _pydantic_errors
from .values import to_date

if TYPE_CHECKING:
    from .spill import DiskRows

CHECKPOINT_PREFIX = b'{"checkpoint":'
"""How a checkpoint line of ``mutualaid batch`` starts (its first key is always ``checkpoint``)."""


_DAYS: dict[int, dt.date] = {}


def _day(ordinal: int) -> dt.date:
    d = _DAYS.get(ordinal)
    if d is None:
        d = dt.date.fromordinal(ordinal)
        if len(_DAYS) < 65536:
            _DAYS[ordinal] = d
    return d


def member_of(claim: Any) -> Optional[str]:
    """The member id of a claim (model or plain data), or None where it cannot be read.

    Read before validation, to find the history; a claim whose member id is unreadable is bad
    input, which ``adjudicate`` reports.
    """
    if isinstance(claim, Claim):
        return claim.member.member_id
    member = claim.get("member") if isinstance(claim, dict) else None
    member_id = member.get("member_id") if isinstance(member, dict) else None
    return member_id if isinstance(member_id, str) else None


def entry_of(claim: Any, decision: Decision) -> HistoryEntry:
    """A decided claim as the history entry of the member's later claims (CONTRACT §1).

    ``claim`` has been validated by ``adjudicate`` already, so its fields are read as they are.
    """
    if isinstance(claim, Claim):
        accident_id, occurred_on = claim.accident.accident_id, claim.accident.occurred_on
    else:
        accident = claim["accident"]
        accident_id, occurred_on = accident["accident_id"], to_date(accident["occurred_on"])
    return build(
        HistoryEntry,
        claim_id=decision.claim_id,
        accident_id=accident_id,
        accident_occurred_on=occurred_on,
        counted_out_of_pocket=decision.counted_out_of_pocket,
        paid=decision.payout,
    )


def entry_line(member_id: str, entry: HistoryEntry) -> bytes:
    """One ledger line: the history entry with its member id, compact JSON, amounts as strings.

    Written field by field (``json.dumps`` of a dict costs more than the rest of the entry).
    """
    return (
        f'{{"member_id":{_text(member_id)},"claim_id":{_text(entry.claim_id)},"accident_id":{_text(entry.accident_id)},'
        f'"accident_occurred_on":"{entry.accident_occurred_on.isoformat()}",'
        f'"counted_out_of_pocket":"{entry.counted_out_of_pocket}","paid":"{entry.paid}"}}\n'
    ).encode("utf-8")


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Ledger:
    """Each member's decided claims; decides a new claim with the member's full history.

    ``plan``, ``engine`` and ``record`` are passed to every ``adjudicate`` call. Deciding a stream
    of claims through a ledger gives exactly the decisions ``adjudicate`` gives when it is handed,
    at each step, every earlier approved or denied claim of the member (in the order decided).

    A backend that keeps history in its own database subclasses the Ledger and overrides two
    methods, :meth:`history` and :meth:`remember` (see ``docs/batch.md``); :meth:`decide`,
    :meth:`add` and :meth:`decided` go through them. The whole-ledger methods (``len``,
    :meth:`members`, :meth:`entries`, :meth:`dump`, :meth:`save`, :meth:`load`) are the own store's.
    """

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
        self._rows: dict[str, str] | DiskRows = {}
        """member_id → its entries as JSON arrays joined by commas: ``["C-1","A-1",738215,320000,200000]``
        (claim id, accident id, the accident day as ``date.toordinal()``, counted and paid in fen)."""
        self._count = 0

    # --- deciding ------------------------------------------------------------------------------

    def decide(self, claim: Any) -> Decision:
        """Decide ``claim`` with the member's history; enter it into the history unless it is pending.

        A claim_id already decided for the member is refused by ``adjudicate`` as bad input
        (``InvalidClaim`` naming ``claim_id``), so nothing is paid twice. Bad input changes nothing.
        """
        member_id = member_of(claim)
        history = self.history(member_id) if member_id is not None else ()
        decision = adjudicate(claim, history, plan=self.plan, engine=self.engine, record=self.record)
        if decision.outcome != "pending":
            assert member_id is not None  # a claim without a readable member id is bad input
            self.remember(member_id, entry_of(claim, decision))
        return decision

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
            )
            for cid, aid, day, counted, paid in json.loads("[" + rows + "]")
        )

    def remember(self, member_id: str, entry: HistoryEntry) -> None:
        """Enter a decided claim into the member's history (the entry is valid: no check here)."""
        row = (
            f"[{_text(entry.claim_id)},{_text(entry.accident_id)},{entry.accident_occurred_on.toordinal()},"
            f"{fen(entry.counted_out_of_pocket)},{fen(entry.paid)}]"
        )
        rows = self._rows.get(member_id)
        self._rows[member_id] = row if rows is None else rows + "," + row
        self._count += 1
        if self.spill_after is not None and self._count > self.spill_after and type(self._rows) is dict:
            from .spill import DiskRows

            self._rows = DiskRows(self._rows.items())

    @property
    def spilled(self) -> bool:
        """Whether the history has moved to disk (see ``spill_after``)."""
        return type(self._rows) is not dict

    # --- entering history from elsewhere -----------------------------------------------------------

    def add(self, member_id: str, entry: HistoryEntry | dict) -> None:
        """Enter a claim decided elsewhere (a backend's database, a saved ledger), after checking it.

        The entry is validated like a history entry; a claim_id the member already has is refused.
        """
        errors = []
        if not isinstance(member_id, str) or not member_id.strip():
            errors.append(FieldError("member_id", "a member id is a non-empty string"))
        elif not member_id.isascii() and not _utf8(member_id):
            errors.append(FieldError("member_id", "a member id is text (a lone surrogate has no UTF-8)"))
        if not isinstance(entry, HistoryEntry):
            try:
                entry = HistoryEntry.model_validate(entry)
            except ValidationError as exc:
                errors += _pydantic_errors(exc)
        if not errors and self.decided(member_id, entry.claim_id):  # type: ignore[union-attr]
            errors.append(FieldError("claim_id", f"claim {entry.claim_id!r} of member {member_id!r} is already in the ledger"))  # type: ignore[union-attr]
        if errors:
            raise InvalidClaim(errors)
        self.remember(member_id, entry)  # type: ignore[arg-type]

    def decided(self, member_id: str, claim_id: str) -> bool:
        """Whether the member has a decided (approved or denied) claim with this id.

        It reads :meth:`history`, so that a ledger whose history lives in a database answers from
        that database.
        """
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

    def dump(self, fp: IO[bytes]) -> None:
        """Write every entry as a JSON line (see :func:`entry_line`) to a binary file."""
        for member_id, entry in self.entries():
            fp.write(entry_line(member_id, entry))

    def save(self, path: str | Path) -> None:
        """Write the ledger to ``path`` (JSON lines), replacing the file atomically."""
        import os

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
        """Read a ledger file: its committed entries (see :func:`committed_end`), each checked.

        ``keep`` chooses members (``mutualaid batch --jobs`` gives each process its share); ``end``
        reads only that many leading bytes (a batch that is appending to the file reads what was
        committed when it started). A malformed line or entry raises ``InvalidClaim`` naming
        ``ledger.LINE.field``.
        """
        ledger = cls(plan=plan, engine=engine, record=record, spill_after=spill_after)
        if end is None:
            end, _ = committed_end(path)
        with open(path, "rb") as fp:
            for number, raw in _lines(fp, end):
                if raw.startswith(CHECKPOINT_PREFIX):
                    continue
                ledger._load_line(number, raw, keep)
        return ledger

    def _load_line(self, number: int, raw: bytes, keep: Optional[Callable[[str], bool]]) -> None:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise InvalidClaim([FieldError(f"ledger.{number}", f"not a JSON line: {exc}")]) from None
        if not isinstance(data, dict):
            raise InvalidClaim([FieldError(f"ledger.{number}", "a ledger line is a JSON object")])
        data = dict(data)
        member_id = data.pop("member_id", None)
        if keep is not None and isinstance(member_id, str) and not keep(member_id):
            return
        try:
            self.add(member_id, data)
        except InvalidClaim as exc:
            raise InvalidClaim([FieldError(f"ledger.{number}.{e.field}", e.message) for e in exc.errors]) from None


def _lines(fp: IO[bytes], end: int) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, line) for the non-blank lines of the first ``end`` bytes."""
    done = 0
    for number, raw in enumerate(fp, 1):
        done += len(raw)
        if done > end:
            return
        if raw.strip():
            yield number, raw


def _scan(path: str | Path) -> tuple[Optional[bytes], int, int]:
    """(last complete checkpoint line, the offset after it, the committed size of the file).

    Only line prefixes are tested, so a file of a million entries is scanned in well under a
    second. A last line cut off inside a checkpoint (a kill while one was being written) is not
    part of the committed size; any other last line without a newline is (a hand-written file).
    """
    found: Optional[bytes] = None
    found_end = offset = 0
    raw = b""
    with open(path, "rb") as fp:
        for raw in fp:
            offset += len(raw)
            if raw.startswith(CHECKPOINT_PREFIX) and raw.endswith(b"\n"):
                found, found_end = raw, offset
    torn = not raw.endswith(b"\n") and CHECKPOINT_PREFIX.startswith(raw[: len(CHECKPOINT_PREFIX)])
    return found, found_end, offset - len(raw) if raw and torn else offset


def committed_end(path: str | Path) -> tuple[int, Optional[dict]]:
    """How many leading bytes of a ledger file are committed, and the unfinished run's checkpoint.

    Everything is committed unless the file's last checkpoint belongs to a batch run that did not
    finish: then the entries after it were written for output that may not have been made durable,
    and the run, when resumed, decides those claims again. A torn last checkpoint line is never
    committed.
    """
    found, end, size = _scan(path)
    checkpoint = None if found is None else json.loads(found)["checkpoint"]
    if checkpoint is not None and not checkpoint.get("done"):
        return end, checkpoint
    return size, None
