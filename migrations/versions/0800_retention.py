"""retention: indexes that let pruning find old rows, and when a stats fact was applied

Published outbox rows, processed messages, stats facts and idempotency keys are pruned
in small batches past their horizons (`venuebus prune`, and the relay periodically).

Revision ID: 0800_retention
Revises: 0750_spine_repairs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0800_retention"
down_revision = "0750_spine_repairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"],
                    postgresql_where=sa.text("published_at IS NOT NULL"),
                    sqlite_where=sa.text("published_at IS NOT NULL"))
    op.create_index(op.f("ix_processed_messages_processed_at"), "processed_messages",
                    ["processed_at"])
    # SQLite adds no column with a non-constant default in place: copy the table there
    recreate = "always" if op.get_bind().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("stats_applied_facts", recreate=recreate) as batch:
        batch.add_column(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False,
                                   server_default=sa.func.now()))
        batch.create_index(batch.f("ix_stats_applied_facts_applied_at"), ["applied_at"])


def downgrade() -> None:
    with op.batch_alter_table("stats_applied_facts") as batch:
        batch.drop_index(batch.f("ix_stats_applied_facts_applied_at"))
        batch.drop_column("applied_at")
    op.drop_index(op.f("ix_processed_messages_processed_at"), table_name="processed_messages")
    op.drop_index("ix_outbox_published_at", table_name="outbox")
