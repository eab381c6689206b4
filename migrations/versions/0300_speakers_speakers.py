"""speakers

Revision ID: 0300_speakers
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0300_speakers"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_status", sa.String(length=16), nullable=True),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("state_reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state_sequence", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state_status IS NULL OR state_status IN "
            "('idle', 'loading', 'playing', 'paused', 'stopped', 'error')",
            name=op.f("ck_speakers_state_status_known"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_speakers_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_speakers_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speakers")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_speakers_token_hash")),
    )
    op.create_index(op.f("ix_speakers_owner_id"), "speakers", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_speakers_owner_id"), table_name="speakers")
    op.drop_table("speakers")
