"""exports: export jobs of an event's attendees, orders or check-ins (exports consumer)

Revision ID: 1410_exports
Revises: 1400_timeline_buckets
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1410_exports"
down_revision = "1400_timeline_buckets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), server_default="requested", nullable=False),
        sa.Column("file_path", sa.String(1024), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("failure_reason", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('attendees', 'orders', 'check-ins')",
                           name=op.f("ck_exports_export_kind_known")),
        sa.CheckConstraint("format IN ('csv', 'xlsx')",
                           name=op.f("ck_exports_export_format_known")),
        sa.CheckConstraint("status IN ('requested', 'done', 'failed')",
                           name=op.f("ck_exports_export_status_known")),
        sa.CheckConstraint("(status = 'done') = (file_path IS NOT NULL)",
                           name=op.f("ck_exports_export_done_has_file")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_exports_event_id_events")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_exports_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index(op.f("ix_exports_event_id"), "exports", ["event_id"])
    op.create_index(op.f("ix_exports_requested_by_id"), "exports", ["requested_by_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_exports_requested_by_id"), table_name="exports")
    op.drop_index(op.f("ix_exports_event_id"), table_name="exports")
    op.drop_table("exports")
