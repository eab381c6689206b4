"""check_in_conflicts: what offline desks admitted that the server could not take as it
was (a ticket two desks admitted, a ticket cancelled meanwhile)

Revision ID: 1510_check_in_conflicts
Revises: 1500_check_in_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1510_check_in_conflicts"
down_revision = "1500_check_in_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_in_conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("device_name", sa.String(255), nullable=True),
        sa.Column("scanned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nonce", sa.String(128), nullable=False),
        sa.Column("scan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=True),
        sa.Column("other_scan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('double_entry', 'refused_after_admitted')",
                           name=op.f("ck_check_in_conflicts_kind_known")),
        sa.CheckConstraint("(kind = 'double_entry') = (scan_id IS NOT NULL AND "
                           "other_scan_id IS NOT NULL)",
                           name=op.f("ck_check_in_conflicts_double_entry_has_both_scans")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_conflicts_event_id_events")),
        sa.ForeignKeyConstraint(["attendee_id"], ["attendees.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_conflicts_attendee_id_attendees")),
        sa.ForeignKeyConstraint(["list_id"], ["check_in_lists.id"], ondelete="SET NULL",
                                name=op.f("fk_check_in_conflicts_list_id_check_in_lists")),
        sa.ForeignKeyConstraint(["scan_id"], ["check_in_scans.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_conflicts_scan_id_check_in_scans")),
        sa.ForeignKeyConstraint(["other_scan_id"], ["check_in_scans.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_conflicts_other_scan_id_check_in_scans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_conflicts")),
        sa.UniqueConstraint("attendee_id", "nonce",
                            name=op.f("uq_check_in_conflicts_attendee_id_nonce")),
    )
    op.create_index("ix_check_in_conflicts_event_id", "check_in_conflicts", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_check_in_conflicts_event_id", "check_in_conflicts")
    op.drop_table("check_in_conflicts")
