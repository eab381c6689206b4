"""consumer waits: consumers waiting for a peer (the management API), shown to operators

Revision ID: 1000_consumer_waits
Revises: 1420_timeline_spans
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1000_consumer_waits"
down_revision = "1420_timeline_spans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumer_waits",
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_consumer_waits")),
    )


def downgrade() -> None:
    op.drop_table("consumer_waits")
