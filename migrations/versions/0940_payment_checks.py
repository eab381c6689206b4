"""payment checks: the provider's payment reference, and two more outcomes that need a refund

A payment now records the money movement it reports (Stripe's payment intent), so the
second event of one checkout is told apart from a second payment. `paid_twice` (the order
was already completed by another payment or by the organiser) and `underpaid` (less than
the order's amount; the order stays unpaid) are flagged `needs_refund` like a payment for
an expired order.

Revision ID: 0940_payment_checks
Revises: 0930_idempotency_created_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0940_payment_checks"
down_revision = "0930_idempotency_created_index"
branch_labels = None
depends_on = None

OLD = "outcome IN ('completed', 'needs_refund', 'already_completed')"
NEW = ("outcome IN ('completed', 'already_completed', 'needs_refund', 'paid_twice', "
       "'underpaid')")


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("reference", sa.String(255), nullable=True))
        batch.drop_constraint("outcome_known", type_="check")
        batch.create_check_constraint("outcome_known", NEW)


def downgrade() -> None:
    op.execute("UPDATE payments SET outcome = 'needs_refund' "
               "WHERE outcome IN ('paid_twice', 'underpaid')")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("outcome_known", type_="check")
        batch.create_check_constraint("outcome_known", OLD)
        batch.drop_column("reference")
