"""currencies: events name theirs (ISO 4217), orders record it, payments must match it

A payment in any currency counted at face value. Events get a `currency` (existing ones
EUR, the default DEFAULT_CURRENCY), orders the event's at placement, and a payment of
another amount or currency is the new outcome `mismatch` (needs a refund).

Revision ID: 1010_currencies
Revises: 1010_pending_holds
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1010_currencies"
down_revision = "1010_pending_holds"
branch_labels = None
depends_on = None

SHAPE = "length(currency) = 3 AND currency = upper(currency)"
OLD = ("outcome IN ('completed', 'already_completed', 'needs_refund', 'paid_twice', "
       "'underpaid')")
NEW = ("outcome IN ('completed', 'already_completed', 'needs_refund', 'paid_twice', "
       "'underpaid', 'mismatch')")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False,
                                   server_default="EUR"))
        batch.create_check_constraint("currency_code", SHAPE)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=True))
    op.execute("UPDATE orders SET currency = (SELECT currency FROM events "
               "WHERE events.id = orders.event_id)")
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("currency", existing_type=sa.String(3), nullable=False)
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("outcome_known", type_="check")
        batch.create_check_constraint("outcome_known", NEW)


def downgrade() -> None:
    op.execute("UPDATE payments SET outcome = 'needs_refund' WHERE outcome = 'mismatch'")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("outcome_known", type_="check")
        batch.create_check_constraint("outcome_known", OLD)
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("currency_code", type_="check")
        batch.drop_column("currency")
