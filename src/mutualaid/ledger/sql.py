"""The SQL store: the ledger in a database (SQLAlchemy Core 2.x), SQLite embedded, PostgreSQL for several processes or machines.

``pip install 'mutualaid[db]'``. A URL is SQLAlchemy's: ``sqlite:///ledger.db`` or
``postgresql+psycopg://user@host/db``.

**Money safety, in the database's own terms** (issue 22). A decision is one transaction:

1. lock the member: on PostgreSQL a transaction-scoped advisory lock on the member id's key and
   on the claim's 身份证 number's key (taken in one order, so two decisions never wait on each
   other in a circle); on SQLite ``BEGIN IMMEDIATE``, which takes the database's write lock;
2. read the member's history, the number's holder, the claim's first filing and its earlier
   decisions (one statement); decide; write the history entry, the binding, the first filing
   and the decision with its record; commit.

On PostgreSQL that is four round trips: ``BEGIN`` with the locks (one simple query), the read,
the writes (one statement: a ``WITH`` of the INSERTs) and the ``COMMIT``. The statements go to the
driver's own connection (psycopg, sqlite3; prepared by psycopg after a few uses), not through
SQLAlchemy Core, whose CPU per statement was most of a decision's cost (issue 22, measured in
``benchmarks/bench_store.py`` and ``bench_claims_api.py``); SQLAlchemy keeps the pool, the URL,
the migrations and the questions outside a decision.

The locks are released by the commit or the rollback, or by the database when a process dies
holding them (its connection closes). Behind the locks, constraints (:mod:`mutualaid.ledger.schema`)
make a double payment impossible even if a lock were ever missed: the primary key ``(member_id,
claim_id)`` of the history and the primary key of the bindings. A decision that hits one is
rolled back and decided again, and then sees what the other wrote.

**Re-sending is idempotent.** The store keeps each claim's last decision with the BLAKE2b hash of
the validated claim (``input_hash``): the same claim id with the same content gets the stored
decision back, byte for byte, whatever came since; other content for a claim decided (approved or
denied) is refused with :class:`~mutualaid.errors.ClaimConflict`; a pended claim sent again with
its missing documents is decided again, and keeps its first ``filed_on`` (CONTRACT §7).

**Durability.** SQLite runs in WAL mode with ``synchronous=FULL`` (each commit is on disk before
the answer); PostgreSQL with its own settings (``synchronous_commit`` on by default).
"""

from __future__ import annotations

try:
    import sqlalchemy  # noqa: F401 - the extra's own check
    import alembic  # noqa: F401
except ImportError:  # pragma: no cover - exercised in a fresh interpreter by tests/test_extras.py
    raise ImportError(
        "mutualaid's SQL store needs SQLAlchemy and Alembic, which a plain install leaves out: pip install 'mutualaid[db]'"
    ) from None

import contextlib
import datetime as dt
import functools
import hashlib
import re
import threading
import time
from typing import Any, Callable, Iterator, NamedTuple, Optional, TypeVar

from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection, create_engine, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..decide import _yuan
from ..door import read as read_claim
from ..edition import Edition
from ..errors import ClaimConflict, FieldError, InvalidClaim
from ..facts import fen
from ..model import Claim, Decision, HistoryEntry, build
from . import migrate as migrations
from .core import Decided, Ledger
from .schema import bindings, decisions, history, pended
from .store import StoreError

T = TypeVar("T")

RETRIES = 5
"""Times a decision is tried again after a constraint caught what a lock should have, or a deadlock."""

BUSY_MS = 60_000
"""How long SQLite waits for another process's write lock before it gives up (``busy_timeout``)."""


def lock_key(kind: str, key: str) -> int:
    """A signed 64-bit advisory-lock key for a member id (``kind`` "m") or a 身份证 number ("n")."""
    digest = hashlib.blake2b(f"{kind}:{key}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def input_hash(claim: Claim) -> str:
    """The BLAKE2b (128 bits) of a validated claim's canonical JSON: what a re-sent claim is compared by."""
    return hashlib.blake2b(claim.__pydantic_serializer__.to_json(claim), digest_size=16).hexdigest()


class Stored(NamedTuple):
    """A decision as the store keeps it."""

    input_hash: str
    outcome: str
    decision: str


def _entry(claim_id: str, accident_id: str, day: Any, counted: int, paid: int, filed: Any) -> HistoryEntry:
    return build(
        HistoryEntry,
        claim_id=claim_id,
        accident_id=accident_id,
        accident_occurred_on=day,
        counted_out_of_pocket=_yuan(counted),
        paid=_yuan(paid),
        filed_on=filed,
    )


def _statements(postgres: bool) -> dict[str, str]:
    """The store's hot statements as the driver runs them (``:name`` parameters; ``%(name)s`` for psycopg)."""
    texts = {
        # One round trip reads all a decision asks (kind 0: the member's history by seq; 1: the claim's
        # decisions by version; 2: its first filing; 3: the holder of the number). The first branch
        # types every column (a NULL there would make PostgreSQL guess text for the whole column).
        "read": "SELECT 0 AS k, seq AS v, claim_id AS a, accident_id AS b, accident_occurred_on AS d, counted_fen AS x,"
        " paid_fen AS y, filed_on AS f, CAST(NULL AS TEXT) AS t FROM history WHERE member_id = :m"
        " UNION ALL SELECT 1, version, input_hash, outcome, NULL, NULL, NULL, NULL, decision FROM decisions"
        " WHERE member_id = :m AND claim_id = :c"
        " UNION ALL SELECT 2, 0, NULL, NULL, NULL, NULL, NULL, filed_on, NULL FROM pended WHERE member_id = :m AND claim_id = :c"
        " UNION ALL SELECT 3, 0, member_id, NULL, NULL, NULL, NULL, NULL, NULL FROM bindings WHERE id_number = :n"
        " ORDER BY k, v",
        "history": "SELECT claim_id, accident_id, accident_occurred_on, counted_fen, paid_fen, filed_on FROM history"
        " WHERE member_id = :m ORDER BY seq",
        "remember": "INSERT INTO history (member_id, claim_id, seq, accident_id, accident_occurred_on, counted_fen, paid_fen, filed_on)"
        " VALUES (:m, :c, :seq, :a, :d, :x, :y, :f)",
        "holder": "SELECT member_id FROM bindings WHERE id_number = :n",
        "bind": "INSERT INTO bindings (id_number, member_id) VALUES (:n, :m)",
        "pended": "SELECT filed_on FROM pended WHERE member_id = :m AND claim_id = :c",
        "pend": "INSERT INTO pended (member_id, claim_id, filed_on) VALUES (:m, :c, :f)",
        "unpend": "DELETE FROM pended WHERE member_id = :m AND claim_id = :c",
        "decisions": "SELECT input_hash, outcome, decision FROM decisions WHERE member_id = :m AND claim_id = :c ORDER BY version",
        "keep": "INSERT INTO decisions (member_id, claim_id, input_hash, version, outcome, payout_fen, decision)"
        " VALUES (:m, :c, :h, :v, :o, :p, :t)",
    }
    if postgres:
        texts = {k: re.sub(r":(\w+)", r"%(\1)s", v) for k, v in texts.items()}
    return texts


_TEXTS = {False: _statements(False), True: _statements(True)}
_TABLE = {"remember": "history", "bind": "bindings", "pend": "pended", "unpend": "pended", "keep": "decisions"}
"""The table each write changes: one statement changes a table once (its parts see one snapshot)."""


def _iso_day(value: Any) -> Optional[dt.date]:
    """A ``DATE`` as SQLite keeps it (SQLAlchemy's ``YYYY-MM-DD`` text) read back as a date."""
    return None if value is None else dt.date.fromisoformat(value)


def _same(value: Any) -> Any:
    return value


class Tx:
    """One transaction on the store: the questions and writes of one decision (or of one group of them).

    The statements go to the driver's own connection (sqlite3, psycopg), taken from SQLAlchemy's
    pool: a statement (and a transaction) through SQLAlchemy Core costs the worker more CPU than
    the database's work (issue 22, measured), and a decision asks the store four questions, asked
    in one round trip (:meth:`read`). Driver errors are raised as SQLAlchemy's, so that
    :meth:`SqlStore.retrying` tells a constraint or a deadlock from a failure as ever. ``conn``:
    the SQLAlchemy connection of a :meth:`SqlStore.reading`, for its questions in SQLAlchemy Core.
    """

    def __init__(self, raw: Any, postgres: bool, error: type, conn: Optional[Connection] = None) -> None:
        self.conn: Any = conn
        self.postgres = postgres
        self._raw = raw
        self._error = error
        self._sql = _TEXTS[self.postgres]
        self._day_in: Callable[[Any], Any] = _same if self.postgres else _iso_day
        self._day_out: Callable[[Any], Any] = _same if self.postgres else (lambda d: None if d is None else d.isoformat())
        self._seq: dict[str, int] = {}  # member id → entries in the history: the next entry's place
        # What this transaction read or wrote already: under the locks (or SQLite's write lock, for a
        # group) the answers cannot change but by this transaction's own writes, which update them.
        self._history: dict[str, list[HistoryEntry]] = {}
        self._holders: dict[str, Optional[str]] = {}
        self._pended: dict[tuple[str, str], Optional[int]] = {}
        self.writes = 0  # statements that changed something: a decision that fails before any is harmless
        self._queued: list[tuple[str, dict]] = []  # PostgreSQL: the writes not sent yet

    def _run(self, name: str, values: dict) -> Any:
        return self._send(self._sql[name], values)

    def _send(self, sql: str, values: Optional[dict]) -> Any:
        try:
            return self._raw.execute(sql, values) if values is not None else self._raw.execute(sql)
        except self._error as exc:  # type: ignore[misc]
            raise DBAPIError.instance(sql, values, exc, self._error) from exc

    def _write(self, name: str, values: dict) -> None:
        self.writes += 1
        if self.postgres:  # sent at the commit, a decision's writes as one statement (see commit)
            self._queued.append((name, values))
        else:
            self._run(name, values)

    @contextlib.contextmanager
    def begun(self, keys: list[int]) -> Iterator[None]:
        """The transaction, begun and committed here (rolled back when the block raises).

        SQLite: ``BEGIN IMMEDIATE``, the database's write lock. PostgreSQL: the advisory locks of
        ``keys``, in their order. psycopg would send its ``BEGIN`` in a round trip of its own; here
        the connection is in autocommit for the while, and ``BEGIN; SELECT pg_advisory_xact_lock(k0),
        …`` is one simple query (the keys are integers, written as such). The writes held back go
        at the end (:meth:`commit`), then the ``COMMIT``. The locks end with the transaction.
        """
        raw = self._raw
        if self.postgres:
            raw.autocommit = True
            head = ["BEGIN", *(["SELECT " + ", ".join(f"pg_advisory_xact_lock({int(k)})" for k in keys)] if keys else [])]
        else:
            head = ["BEGIN IMMEDIATE"]
        try:
            self._send("; ".join(head), None)
            yield
            self.commit()
            self._driver(raw.commit)
        except BaseException:
            with contextlib.suppress(Exception):  # a connection already broken is thrown away (see SqlStore.transaction)
                raw.rollback()
            raise
        finally:
            if self.postgres:
                with contextlib.suppress(Exception):
                    raw.autocommit = False

    def broken(self) -> bool:
        """Whether the driver's connection is lost (the server went away): the pool must not keep it."""
        return bool(getattr(self._raw, "broken", False) or getattr(self._raw, "closed", False))

    def _driver(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except self._error as exc:  # type: ignore[misc]
            raise DBAPIError.instance("COMMIT", None, exc, self._error) from exc

    def commit(self) -> None:
        """PostgreSQL: send the writes held back, those of one decision as one statement (its INSERTs
        as the parts of a ``WITH``: one round trip, one statement to parse and run); SQLite: nothing
        here, its writes ran as they came (in the process: no round trip to save)."""
        queued, self._queued = self._queued, []
        while queued:
            part: list[tuple[str, dict]] = []
            while queued and all(_TABLE[queued[0][0]] != _TABLE[name] for name, _ in part):  # a table twice: the next statement
                part.append(queued.pop(0))
            if len(part) == 1:
                self._run(*part[0])
                continue
            values = {f"w{n}_{k}": v for n, (_, given) in enumerate(part) for k, v in given.items()}
            self._send(_together(tuple(name for name, _ in part)), values)
    def forget(self) -> None:
        """Drop what this transaction remembers of its reads: a savepoint was rolled back."""
        self._seq.clear()
        self._history.clear()
        self._holders.clear()
        self._pended.clear()

    def read(self, member_id: str, claim_id: str, number: Optional[str]) -> list[Stored]:
        """The claim's decisions, first to last; and, remembered for the decision's questions, the
        member's history, the claim's first filing and the number's holder: one statement."""
        day = self._day_in
        entries: list[HistoryEntry] = []
        found: list[Stored] = []
        filed = holder = None
        for k, _, a, b, d, x, y, f, t in self._run("read", {"m": member_id, "c": claim_id, "n": number}).fetchall():
            if k == 0:
                entries.append(_entry(a, b, day(d), x, y, day(f)))
            elif k == 1:
                found.append(Stored(a, b, t))
            elif k == 2:
                filed = day(f).toordinal()
            else:
                holder = a
        self._history[member_id] = entries
        self._seq[member_id] = len(entries)
        self._pended[(member_id, claim_id)] = filed
        if number is not None:
            self._holders[number] = holder
        return found

    def history(self, member_id: str) -> tuple[HistoryEntry, ...]:
        entries = self._history.get(member_id)
        if entries is None:
            day = self._day_in
            rows = self._run("history", {"m": member_id}).fetchall()
            entries = self._history[member_id] = [_entry(a, b, day(d), x, y, day(f)) for a, b, d, x, y, f in rows]
            self._seq[member_id] = len(entries)
        return tuple(entries)

    def remember(self, member_id: str, entry: HistoryEntry) -> None:
        seq = self._seq.get(member_id)
        if seq is None:
            seq = len(self.history(member_id))
        out = self._day_out
        self._write(
            "remember",
            {
                "m": member_id,
                "c": entry.claim_id,
                "seq": seq + 1,
                "a": entry.accident_id,
                "d": out(entry.accident_occurred_on),
                "x": fen(entry.counted_out_of_pocket),
                "y": fen(entry.paid),
                "f": out(entry.filed_on),
            },
        )
        self._seq[member_id] = seq + 1
        known = self._history.get(member_id)
        if known is not None:
            known.append(entry)

    def holder(self, id_number: str) -> Optional[str]:
        if id_number not in self._holders:
            row = self._run("holder", {"n": id_number}).fetchone()
            self._holders[id_number] = None if row is None else row[0]
        return self._holders[id_number]

    def bind(self, id_number: str, member_id: str) -> None:
        found = self.holder(id_number)
        if found is None:
            self._write("bind", {"n": id_number, "m": member_id})
            self._holders[id_number] = member_id
        elif found != member_id:  # every caller checks first: a lock was missed, and the key refuses it
            raise IntegrityError("bind", None, Exception(f"{id_number} belongs to {found}"))

    def pended(self, member_id: str, claim_id: str) -> Optional[int]:
        key = (member_id, claim_id)
        if key not in self._pended:
            row = self._run("pended", {"m": member_id, "c": claim_id}).fetchone()
            self._pended[key] = None if row is None else self._day_in(row[0]).toordinal()
        return self._pended[key]

    def pend(self, member_id: str, claim_id: str, day: int) -> None:
        self.unpend(member_id, claim_id)
        self._write("pend", {"m": member_id, "c": claim_id, "f": self._day_out(dt.date.fromordinal(day))})
        self._pended[(member_id, claim_id)] = day

    def unpend(self, member_id: str, claim_id: str) -> None:
        if self._pended.get((member_id, claim_id), 0) is not None:  # unknown (0) or pended: delete
            self._write("unpend", {"m": member_id, "c": claim_id})
        self._pended[(member_id, claim_id)] = None

    def decisions(self, member_id: str, claim_id: str) -> list[Stored]:
        """Every decision of the member's claim, first to last."""
        return [Stored(*row) for row in self._run("decisions", {"m": member_id, "c": claim_id}).fetchall()]

    def keep(self, member_id: str, claim_id: str, digest: str, decision: Decision, answer: str, version: int) -> None:
        self._write(
            "keep",
            {"m": member_id, "c": claim_id, "h": digest, "v": version, "o": decision.outcome, "p": fen(decision.payout), "t": answer},
        )


@functools.lru_cache(maxsize=64)
def _together(names: tuple[str, ...]) -> str:
    """PostgreSQL: the writes ``names`` (each table once) as one statement, ``WITH w0 AS (INSERT …), w1 AS (…) SELECT 1``,
    each part's parameters prefixed ``w0_``, ``w1_``…"""
    parts = [f"w{n} AS (" + re.sub(r"%\((\w+)\)s", rf"%(w{n}_\1)s", _TEXTS[True][name]) + ")" for n, name in enumerate(names)]
    return "WITH " + ", ".join(parts) + " SELECT 1"


class SqlStore:
    """A database holding ledgers' state: open it once a process, share it between threads.

    ``migrate`` (default True) upgrades the schema on open (:func:`mutualaid.ledger.migrate.upgrade`,
    under its lock); with False, a database that is not at this library's schema is refused with
    :class:`~mutualaid.ledger.store.StoreError` (run ``mutualaid db upgrade URL``).
    """

    def __init__(self, url: str, *, migrate: bool = True, pool_size: int = 8) -> None:
        self.url = url
        try:
            self.engine = _engine(url, pool_size)
            if migrate:
                migrations.upgrade(self.engine)
            else:
                with self.engine.connect() as conn:
                    if migrations.current(conn) != migrations.head():
                        raise StoreError(f"the store {_shown(url)} is not at this library's schema: run `mutualaid db upgrade URL`")
        except DBAPIError as exc:
            raise StoreError(f"cannot open the store {_shown(url)}: {_reason(exc)}") from None
        self.postgres = self.engine.dialect.name == "postgresql"
        self._error = self.engine.dialect.loaded_dbapi.Error

    @contextlib.contextmanager
    def transaction(self, *keys: tuple[str, Optional[str]]) -> Iterator[Tx]:
        """One transaction holding the locks of ``keys`` ((kind, key): "m" a member id, "n" a 身份证 number).

        SQLite: ``BEGIN IMMEDIATE`` (the whole database's write lock, whatever the keys).
        PostgreSQL: ``pg_advisory_xact_lock`` on each key, in the order of their lock keys.
        Committed when the block ends, rolled back when it raises; the locks end with it.
        """
        locks = sorted({lock_key(kind, k) for kind, k in keys if k is not None}) if self.postgres else []
        try:
            fairy = self.engine.raw_connection()  # the pool's: no SQLAlchemy Connection, no begin, no statement (see Tx)
        except self._error as exc:
            raise DBAPIError.instance(None, None, exc, self._error) from exc
        tx = Tx(fairy.driver_connection, self.postgres, self._error)
        try:
            with tx.begun(locks):  # PostgreSQL evaluates the list in order, so every process locks in one order
                yield tx
        except BaseException:
            if tx.broken():
                fairy.invalidate()
            raise
        finally:
            fairy.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Tx]:
        """A connection for questions outside a decision (what a member holds now): no lock taken."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(mutualaid_read=True)  # SQLite: a deferred BEGIN, no write lock
                conn.begin()  # the Tx speaks to the driver: SQLAlchemy's transaction is begun here, not by a statement
                yield Tx(conn.connection.driver_connection, self.postgres, self._error, conn)
                conn.rollback()
        except DBAPIError as exc:
            raise StoreError(f"the store {_shown(self.url)} failed: {_reason(exc)}") from None

    def retrying(self, attempt: Callable[[], T]) -> T:
        """``attempt()``, tried again (a few times) when a constraint refused what a lock should have
        prevented, or the database broke a deadlock; any other database failure as :class:`StoreError`."""
        for n in range(RETRIES + 1):
            try:
                return attempt()
            except IntegrityError:
                if n == RETRIES:
                    raise StoreError(f"the store {_shown(self.url)} refused a decision {RETRIES + 1} times (a constraint)") from None
            except OperationalError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code not in ("40P01", "40001") or n == RETRIES:
                    raise StoreError(f"the store {_shown(self.url)} failed: {_reason(exc)}") from None
            except DBAPIError as exc:
                raise StoreError(f"the store {_shown(self.url)} failed: {_reason(exc)}") from None
            time.sleep(0.001 * (n + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.engine.dispose()


def _shown(url: str) -> str:
    """A URL as a message shows it: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot read is shown as it came
        return url


def _reason(exc: DBAPIError) -> str:
    return " ".join(str(exc.orig).split()) or type(exc.orig).__name__


def _engine(url: str, pool_size: int) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size)  # no ping: a round trip per decision
    engine = create_engine(url, connect_args={"timeout": BUSY_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver's own BEGIN would be deferred: we say BEGIN IMMEDIATE
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", f"busy_timeout={BUSY_MS}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("mutualaid_read") else "BEGIN IMMEDIATE")

    return engine


class _Rows:
    """The Ledger's store questions (see :class:`mutualaid.ledger.store.Rows`), answered in the thread's transaction."""

    def __init__(self, ledger: "SqlLedger") -> None:
        self.ledger = ledger

    def _tx(self) -> Tx:
        tx = self.ledger._current
        if tx is None:  # pragma: no cover - every caller opens one
            raise RuntimeError("the SQL store is asked outside a transaction")
        return tx

    def holder(self, id_number: str) -> Optional[str]:
        tx = self.ledger._current
        if tx is None:
            with self.ledger.store.reading() as tx:
                return tx.holder(id_number)
        return tx.holder(id_number)

    def bind(self, id_number: str, member_id: str) -> None:
        self._tx().bind(id_number, member_id)

    def pended(self, member_id: str, claim_id: str) -> Optional[int]:
        tx = self.ledger._current
        if tx is None:
            with self.ledger.store.reading() as tx:
                return tx.pended(member_id, claim_id)
        return tx.pended(member_id, claim_id)

    def pend(self, member_id: str, claim_id: str, day: int) -> None:
        self._tx().pend(member_id, claim_id, day)

    def unpend(self, member_id: str, claim_id: str) -> None:
        self._tx().unpend(member_id, claim_id)

    def holders(self) -> Iterator[tuple[str, str]]:
        with self.ledger.store.reading() as tx:
            return iter(list(tx.conn.execute(select(bindings.c.id_number, bindings.c.member_id).order_by(bindings.c.id_number)).tuples()))

    def pendings(self) -> Iterator[tuple[str, str, int]]:
        with self.ledger.store.reading() as tx:
            found = tx.conn.execute(select(pended).order_by(pended.c.member_id, pended.c.claim_id)).tuples()
            return iter([(m, c, d.toordinal()) for m, c, d in found])

    def __iter__(self) -> Iterator[str]:
        with self.ledger.store.reading() as tx:
            return iter(list(tx.conn.execute(select(history.c.member_id).distinct().order_by(history.c.member_id)).scalars()))

    def __contains__(self, member_id: object) -> bool:
        return isinstance(member_id, str) and bool(self.ledger.history(member_id))


class SqlLedger(Ledger):
    """A :class:`~mutualaid.ledger.Ledger` whose state lives in a SQL store: several processes, one truth.

    Decides as the Ledger does (the same checks, the same decisions), each decision one
    transaction under the member's lock (see the module docstring), and keeps each decision so
    that a re-sent claim is answered from the store. ``store`` is a :class:`SqlStore` or a URL.
    Every member is decided with the full history (the running sums of
    :attr:`~mutualaid.ledger.Ledger.FOLD_AFTER` are one process's, and processes share this store).
    """

    def __init__(self, store: "SqlStore | str", *, plan: Edition | str | None = None, engine: str = "native", record: bool = True) -> None:
        super().__init__(plan=plan, engine=engine, record=record, spill_after=None)
        self.store = store if isinstance(store, SqlStore) else SqlStore(store)
        self._local = threading.local()
        self._local.tx = None
        self._rows = _Rows(self)  # type: ignore[assignment]
        self._own = False

    @property
    def _current(self) -> Optional[Tx]:
        return getattr(self._local, "tx", None)

    @contextlib.contextmanager
    def _holding(self, member_id: Optional[str], number: Optional[str] = None) -> Iterator[Tx]:
        """The thread's transaction, or a new one holding the member's (and the number's) lock."""
        tx = self._current
        if tx is not None:
            yield tx
            return
        with self.store.transaction(("m", member_id), ("n", number)) as tx:
            self._local.tx = tx
            try:
                yield tx
            finally:
                self._local.tx = None

    # --- deciding ------------------------------------------------------------------------------

    def decide_entry(self, claim: Any) -> Decided:
        """Decide ``claim`` against the store and keep the decision: one transaction (see the module docstring).

        A claim sent again with the same content gets the stored decision; with other content,
        once decided, :class:`~mutualaid.errors.ClaimConflict`. Bad input changes nothing.
        """
        return self.decide_answer(claim)[0]

    def decide_answer(self, claim: Any) -> tuple[Decided, bytes]:
        """:meth:`decide_entry`, and the decision's JSON as stored (the bytes to answer, also for a re-sent claim)."""
        model, (member_id, number) = read_claim(claim)
        if model is None or member_id is None:  # bad input: refused with the member's history, nothing written
            def refuse() -> tuple[Decided, bytes]:
                with self._holding(member_id):
                    decided = Ledger.decide_entry(self, claim)
                raise AssertionError(f"bad input decided: {decided}")  # pragma: no cover - adjudicate refuses it

            return self.store.retrying(refuse)
        digest = input_hash(model)
        return self.store.retrying(lambda: self._decide(model, member_id, number, digest))

    def grouped(self) -> Any:
        """One transaction for the decisions made inside it, where that keeps every promise: on SQLite,
        whose ``BEGIN IMMEDIATE`` locks the whole database anyway, a batch chunk commits once (each
        decision in a savepoint of its own, so a refused claim changes nothing); ``batch`` writes the
        chunk's answers only after that commit. On PostgreSQL each decision still commits alone: a
        transaction holding many members' locks could wait in a circle on another process's."""
        if self.store.postgres or self._current is not None:
            return contextlib.nullcontext()
        return self._group()

    @contextlib.contextmanager
    def _group(self) -> Iterator[Tx]:
        try:
            with self._holding(None) as tx:
                yield tx
        except DBAPIError as exc:  # the commit itself failed (a full disk): nothing of the group was kept
            raise StoreError(f"the store {_shown(self.store.url)} could not commit: {_reason(exc)}") from None

    def _decide(self, model: Claim, member_id: str, number: Optional[str], digest: str) -> tuple[Decided, bytes]:
        nested = self._current is not None
        with self._holding(member_id, number) as tx, (self._savepoint(tx) if nested else contextlib.nullcontext()):
            earlier = tx.read(member_id, model.claim_id, number)
            for stored in earlier:
                if stored.input_hash == digest:  # sent again: the decision it had, byte for byte
                    return Decided(Decision.model_validate_json(stored.decision)), stored.decision.encode("utf-8")
            if earlier and earlier[-1].outcome != "pending":
                raise ClaimConflict(
                    [FieldError.of("claim_id", "claim_id.conflict", model.claim_id, claim=repr(model.claim_id), member=repr(member_id))]
                )
            decided = Ledger.decide_entry(self, model)
            answer = decided.decision.__pydantic_serializer__.to_json(decided.decision)
            tx.keep(member_id, model.claim_id, digest, decided.decision, answer.decode("utf-8"), len(earlier) + 1)
            return decided, answer

    @staticmethod
    @contextlib.contextmanager
    def _savepoint(tx: Tx) -> Iterator[None]:
        """One decision inside a group's transaction (SQLite, which holds the whole database's lock).

        A refused claim (``InvalidClaim``, ``ClaimConflict``) is refused before the decision writes
        anything, so it needs no savepoint of its own (two statements a decision saved); so is any
        failure before the first write (``batch`` makes it the line's error record). A failure
        after a write fails the whole group: it is rolled back, and no answer of it goes out.
        """
        before = tx.writes
        try:
            yield
        except InvalidClaim:
            raise
        except BaseException as exc:
            if tx.writes == before:  # failed before writing anything: the group is as it was
                raise
            tx.forget()
            raise StoreError(f"a decision failed midway ({type(exc).__name__}: {exc}): its group is rolled back") from exc

    def stored(self, member_id: str, claim_id: str) -> Optional[Stored]:
        """The last decision the store keeps for a member's claim, or None."""
        with self.store.reading() as tx:
            found = tx.decisions(member_id, claim_id)
        return found[-1] if found else None

    def stored_by_claim(self, claim_id: str) -> list[tuple[str, Stored]]:
        """(member id, its last stored decision) of every member with a decision for ``claim_id`` (claim ids are per member)."""
        with self.store.reading() as tx:
            rows = tx.conn.execute(
                select(decisions.c.member_id, decisions.c.input_hash, decisions.c.outcome, decisions.c.decision)
                .where(decisions.c.claim_id == claim_id)
                .order_by(decisions.c.member_id, decisions.c.version)
            )
            last: dict[str, Stored] = {}
            for m, h, o, d in rows:
                last[m] = Stored(h, o, d)
            return list(last.items())

    # --- the history, in the store ---------------------------------------------------------------

    def history(self, member_id: str) -> tuple[HistoryEntry, ...]:
        tx = self._current
        if tx is not None:
            return tx.history(member_id)
        with self.store.reading() as tx:
            return tx.history(member_id)

    def remember(self, member_id: str, entry: HistoryEntry) -> None:
        tx = self._current
        if tx is None:  # pragma: no cover - decide_entry and add open one
            raise RuntimeError("the SQL store is written outside a transaction")
        tx.remember(member_id, entry)

    def add(self, member_id: str, entry: HistoryEntry | dict, *, id_number: Optional[str] = None) -> None:
        def attempt() -> None:
            with self._holding(member_id if isinstance(member_id, str) else None, id_number):
                Ledger.add(self, member_id, entry, id_number=id_number)

        self.store.retrying(attempt)

    def bind(self, id_number: str, member_id: str) -> None:
        def attempt() -> None:
            with self._holding(member_id if isinstance(member_id, str) else None, id_number):
                Ledger.bind(self, id_number, member_id)

        self.store.retrying(attempt)

    def pend(self, member_id: str, claim_id: str, filed_on: Any) -> None:
        def attempt() -> None:
            with self._holding(member_id if isinstance(member_id, str) else None):
                Ledger.pend(self, member_id, claim_id, filed_on)

        self.store.retrying(attempt)

    # --- what it holds ----------------------------------------------------------------------------

    def __len__(self) -> int:
        with self.store.reading() as tx:
            return int(tx.conn.execute(select(func.count()).select_from(history)).scalar_one())

    def members(self) -> Iterator[str]:
        """The member ids with a decided claim, in the order of their ids (a database has no first-entry order)."""
        return iter(self._rows)

    def close(self) -> None:
        """Close the store's connections."""
        self.store.close()
