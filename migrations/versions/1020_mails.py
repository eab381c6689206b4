"""mails: one intent-and-outcome record for every kind of mail (verification, badge,
staff invitation, tickets); the badge mails move into it as `badge:<badge id>`

Revision ID: 1020_mails
Revises: 1000_consumer_waits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1020_mails"
down_revision = "1000_consumer_waits"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = "status IN ('held', 'sending', 'sent', 'failed')"
COLUMNS = "recipient, status, attempts, last_error, sent_at, created_at, updated_at"


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_mails_status_known")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_mails_attempts_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mails_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
        sa.UniqueConstraint("reference", name=op.f("uq_mails_reference")),
    )
    op.create_index(op.f("ix_mails_user_id"), "mails", ["user_id"], unique=False)
    op.execute(sa.text(
        f"INSERT INTO mails (kind, reference, user_id, {COLUMNS}) "
        f"SELECT 'badge', 'badge:' || CAST(m.badge_id AS VARCHAR(20)), b.owner_id, "
        f"{', '.join('m.' + c.strip() for c in COLUMNS.split(','))} "
        "FROM badge_mails m JOIN badges b ON b.id = m.badge_id ORDER BY m.id"))
    op.drop_table("badge_mails")


def downgrade() -> None:
    op.create_table(
        "badge_mails",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("badge_id", BIG_ID, nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_badge_mails_status_known")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_badge_mails_attempts_not_negative")),
        sa.ForeignKeyConstraint(["badge_id"], ["badges.id"],
                                name=op.f("fk_badge_mails_badge_id_badges"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_mails")),
        sa.UniqueConstraint("badge_id", name=op.f("uq_badge_mails_badge_id")),
    )
    op.execute(sa.text(
        f"INSERT INTO badge_mails (badge_id, {COLUMNS}) "
        f"SELECT CAST(substr(m.reference, 7) AS INTEGER), "
        f"{', '.join('m.' + c.strip() for c in COLUMNS.split(','))} "
        "FROM mails m JOIN badges b ON 'badge:' || CAST(b.id AS VARCHAR(20)) = m.reference "
        "WHERE m.kind = 'badge' ORDER BY m.id"))
    op.drop_index(op.f("ix_mails_user_id"), table_name="mails")
    op.drop_table("mails")
