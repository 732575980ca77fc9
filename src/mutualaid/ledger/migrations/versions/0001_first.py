"""The first schema: history, bindings, pended, decisions (issue 22).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "history",
        sa.Column("member_id", sa.Text, primary_key=True),
        sa.Column("claim_id", sa.Text, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("accident_id", sa.Text, nullable=False),
        sa.Column("accident_occurred_on", sa.Date, nullable=False),
        sa.Column("counted_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("filed_on", sa.Date, nullable=True),
        sa.UniqueConstraint("member_id", "seq", name="history_member_seq"),
        sa.CheckConstraint("counted_fen >= 0 AND paid_fen >= 0", name="history_amounts"),
    )
    op.create_table(
        "bindings",
        sa.Column("id_number", sa.Text, primary_key=True),
        sa.Column("member_id", sa.Text, nullable=False),
    )
    op.create_table(
        "pended",
        sa.Column("member_id", sa.Text, primary_key=True),
        sa.Column("claim_id", sa.Text, primary_key=True),
        sa.Column("filed_on", sa.Date, nullable=False),
    )
    op.create_table(
        "decisions",
        sa.Column("member_id", sa.Text, primary_key=True),
        sa.Column("claim_id", sa.Text, primary_key=True),
        sa.Column("input_hash", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("payout_fen", sa.BigInteger, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.UniqueConstraint("member_id", "claim_id", "version", name="decisions_version"),
        sa.CheckConstraint("payout_fen >= 0", name="decisions_payout"),
    )


def downgrade() -> None:
    for table in ("decisions", "pended", "bindings", "history"):
        op.drop_table(table)
