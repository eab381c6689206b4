"""timeline_buckets: an event's sales and check-ins in 5-minute buckets (stats consumer)

Revision ID: 1400_timeline_buckets
Revises: 1350_badge_designs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1400_timeline_buckets"
down_revision = "1350_badge_designs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "timeline_buckets",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("bucket_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Numeric(14, 2), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("event_id", "series", "key", "bucket_at",
                                name=op.f("pk_timeline_buckets")),
    )


def downgrade() -> None:
    op.drop_table("timeline_buckets")
