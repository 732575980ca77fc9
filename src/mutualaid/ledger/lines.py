"""The ledger file's lines: their shapes, and the checksum chain that seals them (the file store's format).

See :mod:`mutualaid.ledger` for what each line means; this module writes and reads them.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring as _text  # a str as a JSON string, non-ASCII kept (C)
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Optional

from ..errors import FieldError, InvalidClaim

if TYPE_CHECKING:
    import datetime as dt

    from ..model import HistoryEntry

CHECKPOINT_PREFIX = b'{"checkpoint":'
"""How a checkpoint line of ``mutualaid batch`` starts (its first key is always ``checkpoint``)."""

BINDING_PREFIX = b'{"id_number":'
"""How a line binding a 身份证 number to a member id starts."""

PENDED_PREFIX = b'{"pended":'
"""How a line keeping the first ``filed_on`` of a pended claim starts."""


def entry_line(member_id: str, entry: HistoryEntry) -> bytes:
    """One ledger entry without its checksum: the history entry with its member id, compact JSON.

    Written field by field (``json.dumps`` of a dict costs more than the rest of the entry).
    ``filed_on`` is written when the entry has one (a ledger's own entries always do).
    :class:`Chain` seals it into a line of the file.
    """
    filed = "" if entry.filed_on is None else f',"filed_on":"{entry.filed_on.isoformat()}"'
    return (
        f'{{"member_id":{_text(member_id)},"claim_id":{_text(entry.claim_id)},"accident_id":{_text(entry.accident_id)},'
        f'"accident_occurred_on":"{entry.accident_occurred_on.isoformat()}",'
        f'"counted_out_of_pocket":"{entry.counted_out_of_pocket}","paid":"{entry.paid}"{filed}}}\n'
    ).encode("utf-8")


def pended_line(member_id: str, claim_id: str, filed_on: dt.date) -> bytes:
    """One ledger line (without its checksum) keeping the first ``filed_on`` of a claim the ledger pended."""
    return f'{{"pended":{_text(claim_id)},"member_id":{_text(member_id)},"filed_on":"{filed_on.isoformat()}"}}\n'.encode("utf-8")


def binding_line(id_number: str, member_id: str) -> bytes:
    """One ledger line (without its checksum) saying that a 身份证 number belongs to a member id."""
    return f'{{"id_number":{_text(id_number)},"member_id":{_text(member_id)}}}\n'.encode("utf-8")


# --- the checksum chain ---------------------------------------------------------------------------

_SUM = b',"sum":"'
_HEX = 32  # BLAKE2b with a 16-byte digest
_TAIL = len(_SUM) + _HEX + 2  # ,"sum":"<hex>"}
GENESIS = hashlib.blake2b(b"mutualaid ledger", digest_size=16).digest()


def _link(digest: bytes, payload: bytes) -> bytes:
    return hashlib.blake2b(digest + payload, digest_size=16).digest()


def unseal(line: bytes) -> tuple[bytes, Optional[bytes]]:
    """(the line's payload, its sum in hex) for a sealed line; (the line, None) for one without a sum.

    ``line`` has no newline. The sum is always the last key, so it is found at a fixed place.
    """
    if len(line) > _TAIL and line.endswith(b'"}') and line[-_TAIL : -_TAIL + len(_SUM)] == _SUM:
        return line[:-_TAIL] + b"}", line[-_HEX - 2 : -2]
    return line, None


class Chain:
    """Seals ledger lines: each line's sum is BLAKE2b over the sum before it and the line's payload.

    So an edited, added, removed or reordered line breaks the sums of every sealed line from
    there on. It detects edits, not forgery: whoever can write the file can also compute sums.
    """

    def __init__(self, digest: bytes = GENESIS) -> None:
        self.digest = digest

    def seal(self, payload: bytes) -> bytes:
        """``payload`` (one JSON object, with or without a newline) as a sealed line, newline included."""
        body = payload.rstrip(b"\n")
        self.digest = _link(self.digest, body)
        return body[:-1] + _SUM + self.digest.hex().encode("ascii") + b'"}\n'

    def seal_all(self, payloads: bytes) -> bytes:
        """Several payloads, one a line, sealed in order."""
        return b"".join(self.seal(p) for p in payloads.splitlines())


class Scan(NamedTuple):
    """What :func:`scan` found in a ledger file."""

    end: int
    """The committed bytes: what a resumed run keeps and what ``Ledger.load`` reads."""
    unfinished: Optional[dict]
    """The checkpoint of a batch run that did not finish, or None."""
    last: Optional[dict]
    """The last committed checkpoint (finished or not), or None."""
    digest: bytes
    """The chain's digest at ``end``: where the next sealed line continues it."""


def _bad_line(number: int, code: str) -> InvalidClaim:
    return InvalidClaim([FieldError.of(f"ledger.{number}", code)])


def scan(path: str | Path, *, strict: bool = False) -> Scan:
    """Read a ledger file once: find its committed end and last checkpoint, and check every sum.

    Everything is committed unless the file's last checkpoint belongs to a batch run that did not
    finish: then the entries after it were written for output that may not have been made durable,
    and the run, when resumed, decides those claims again (they are not checked: a kill may have
    torn them). A last line without a newline is a torn write, never committed, unless the file
    has no sealed line at all (a hand-written file).

    Raises ``InvalidClaim`` naming ``ledger.LINE`` for a committed line whose sum is wrong, a line
    without a sum after sealed lines, or a checkpoint without a sum (a ledger written before sums:
    see ``docs/batch.md``).

    One loader (issue 22, finding 2): ``Ledger.load`` and ``batch`` read every file through this
    function. A last line without its newline is a torn write only where a run can have torn it:
    after the checkpoint of a run that did not finish (the entries it was appending), or a
    checkpoint itself. Anywhere else it is refused as ``ledger.LINE`` (``ledger.torn_line``): a file
    cut short, or that lost its final newline, never loses entries silently. ``strict`` (what
    ``Ledger.load`` asks) refuses a file whose reading would lose an entry, naming the line: a
    torn line (``ledger.torn_line``) or an unfinished run's entries (``ledger.uncommitted``), which
    only ``batch``, resuming that run, may cut off. (A torn checkpoint with nothing after it loses
    no entry: it is a run killed while it wrote its first line, and is left out.)
    """
    digest = GENESIS
    sealed = False
    offset = 0
    problem: Optional[tuple[int, int, str]] = None  # (line number, its start, error code): the first one
    last: Optional[tuple[bytes, int, bytes]] = None  # (checkpoint payload, offset after it, digest there)
    end_digest = digest
    torn_at: Optional[int] = None
    torn: Optional[tuple[int, bool]] = None  # (its line number, whether it is a checkpoint)
    starts: list[tuple[int, int]] = []  # (line number, start) of each line: to name the first one cut off
    with open(path, "rb") as fp:
        for number, raw in enumerate(fp, 1):
            start = offset
            offset += len(raw)
            if strict:
                starts.append((number, start))
            if not raw.endswith(b"\n"):
                checkpoint = CHECKPOINT_PREFIX.startswith(raw[: len(CHECKPOINT_PREFIX)]) or raw.startswith(CHECKPOINT_PREFIX)
                if sealed or checkpoint:
                    torn_at = start
                    torn = (number, checkpoint)
                    break
            body = raw.rstrip(b"\r\n")
            if not body.strip():
                end_digest = digest
                continue
            payload, given = unseal(body)
            if given is not None:
                digest = _link(digest, payload)
                if problem is None and given != digest.hex().encode("ascii"):
                    problem = (number, start, "ledger.checksum")
                sealed = True
            else:
                if problem is None and sealed:
                    problem = (number, start, "ledger.unsealed_line")
                if problem is None and body.startswith(CHECKPOINT_PREFIX):
                    problem = (number, start, "ledger.unsealed_checkpoint")  # a ledger written before sums
                digest = _link(digest, payload)
            if payload.startswith(CHECKPOINT_PREFIX):
                last = (payload, offset, digest)
            end_digest = digest
    size = torn_at if torn_at is not None else offset
    unfinished = last_cp = None
    end, at_end = size, end_digest
    if last is not None:
        try:
            last_cp = json.loads(last[0])["checkpoint"]
        except (ValueError, KeyError, TypeError):
            last_cp = None
        if isinstance(last_cp, dict) and not last_cp.get("done"):
            unfinished = last_cp
            end, at_end = last[1], last[2]
    if problem is not None and problem[1] < end:
        raise _bad_line(problem[0], problem[2])
    if torn is not None and not torn[1] and unfinished is None:  # no run was appending: the file was cut
        raise _bad_line(torn[0], "ledger.torn_line")
    if strict and end < (torn_at if torn_at is not None else offset):  # entries would be lost (a torn checkpoint alone loses none)
        # the torn line is the cause when there is one (a finished run's last checkpoint, cut)
        first = torn[0] if torn is not None else next(n for n, at in starts if at >= end)
        raise _bad_line(first, "ledger.torn_line" if torn is not None else "ledger.uncommitted")
    if last is not None and last[1] <= end and not isinstance(last_cp, dict):
        raise _bad_line(0, "ledger.checkpoint_not_object")
    return Scan(end, unfinished, last_cp if isinstance(last_cp, dict) else None, at_end)


def committed_end(path: str | Path) -> tuple[int, Optional[dict]]:
    """How many leading bytes of a ledger file are committed, and the unfinished run's checkpoint (see :func:`scan`)."""
    found = scan(path)
    return found.end, found.unfinished


