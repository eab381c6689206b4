"""idempotency keys: an index on created_at, so pruning expired keys reads no whole table

Retention deletes idempotency keys past their 24 h in batches by `created_at`
(models/core/retention.py); without the index every batch scanned the table.

Revision ID: 0930_idempotency_created_index
Revises: 0920_staff_invitations
"""

from __future__ import annotations

from alembic import op

revision = "0930_idempotency_created_index"
down_revision = "0920_staff_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys",
                    ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
