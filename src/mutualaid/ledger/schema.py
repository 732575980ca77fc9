"""The SQL store's tables (SQLAlchemy Core), as the Alembic migrations in :mod:`mutualaid.ledger.migrations` make them.

Money is integer fen (``BIGINT``), never floating point; days are ``DATE``. The constraints are
the last line of defence behind the locks (:mod:`mutualaid.ledger.sql`): even if two processes
ever decided one claim at once, the primary key ``(member_id, claim_id)`` of ``history`` lets only
one of them enter (and pay) it, and the primary key of ``bindings`` lets a 身份证 number belong to
one member id only.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Date, Integer, MetaData, Table, Text, UniqueConstraint

metadata = MetaData()

history = Table(
    "history",
    metadata,
    Column("member_id", Text, primary_key=True),
    Column("claim_id", Text, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("accident_id", Text, nullable=False),
    Column("accident_occurred_on", Date, nullable=False),
    Column("counted_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("filed_on", Date, nullable=True),
    UniqueConstraint("member_id", "seq", name="history_member_seq"),
    CheckConstraint("counted_fen >= 0 AND paid_fen >= 0", name="history_amounts"),
)
"""Each member's decided (approved or denied) claims: the history entries of CONTRACT §1."""

bindings = Table(
    "bindings",
    metadata,
    Column("id_number", Text, primary_key=True),
    Column("member_id", Text, nullable=False),
)
"""Which member id each 身份证 number belongs to (one person, one cap: CONTRACT §7 "Ids")."""

pended = Table(
    "pended",
    metadata,
    Column("member_id", Text, primary_key=True),
    Column("claim_id", Text, primary_key=True),
    Column("filed_on", Date, nullable=False),
)
"""The first ``filed_on`` of each claim pended and not decided since (CONTRACT §7 "The first filing")."""

decisions = Table(
    "decisions",
    metadata,
    Column("member_id", Text, primary_key=True),
    Column("claim_id", Text, primary_key=True),
    Column("input_hash", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("payout_fen", BigInteger, nullable=False),
    Column("decision", Text, nullable=False),
    UniqueConstraint("member_id", "claim_id", "version", name="decisions_version"),
    CheckConstraint("payout_fen >= 0", name="decisions_payout"),
)
"""Every decision of each claim (a pended claim sent again with its documents is decided again: ``version`` 1, 2…),
by the hash of the claim it decided, with its record, as it was answered: a re-sent claim gets these bytes back."""
