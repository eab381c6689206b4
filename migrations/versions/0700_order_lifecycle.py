"""order lifecycle: pending / placed / expired orders, payments, order expiry per event

Orders gain the states of Open Event (pending holds units until expires_at, placed waits
for an offline payment, expired gave its units back), who completed them and when, and
the bank and cheque payment modes. `payments` records each payment provider event once.
Events carry `order_expiry_time` (minutes). The stats consumer counts orders by state.
Existing orders stay as they are (completed or cancelled).

Revision ID: 0700_order_lifecycle
Revises: 0600_order_discount_uses
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0700_order_lifecycle"
down_revision = "0600_order_discount_uses"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('completed', 'cancelled')"
OLD_MODES = "payment_mode IN ('free', 'onsite', 'online')"
PENDING = "status = 'pending'"


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("completed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_orders_completed_by_id_users"), "users",
                                 ["completed_by_id"], ["id"], ondelete="SET NULL")
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint(
            "status_known",
            "status IN ('pending', 'placed', 'completed', 'cancelled', 'expired')")
        batch.drop_constraint("payment_mode_known", type_="check")
        batch.create_check_constraint(
            "payment_mode_known",
            "payment_mode IN ('free', 'onsite', 'online', 'bank', 'cheque')")
        batch.create_check_constraint("pending_expires",
                                      "status <> 'pending' OR expires_at IS NOT NULL")
    op.create_index("ix_orders_pending_expires_at", "orders", ["expires_at"],
                    postgresql_where=sa.text(PENDING), sqlite_where=sa.text(PENDING))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("order_expiry_time", sa.Integer(), nullable=False,
                                   server_default="15"))
        batch.create_check_constraint("order_expiry_time_range",
                                      "order_expiry_time BETWEEN 1 AND 10080")
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("needs_refund", sa.Boolean(), server_default=sa.text("false"),
                  nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount IS NULL OR amount >= 0",
                           name=op.f("ck_payments_amount_not_negative")),
        sa.CheckConstraint("outcome IN ('completed', 'needs_refund', 'already_completed')",
                           name=op.f("ck_payments_outcome_known")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_payments_order_id_orders"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("provider", "provider_event_id",
                            name=op.f("uq_payments_provider_provider_event_id")),
    )
    op.create_index(op.f("ix_payments_order_id"), "payments", ["order_id"], unique=False)
    op.create_table(
        "order_state_stats",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("units", sa.Integer(), server_default="0", nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), server_default="0",
                  nullable=False),
        sa.PrimaryKeyConstraint("event_id", "state", name=op.f("pk_order_state_stats")),
    )


def downgrade() -> None:
    op.drop_table("order_state_stats")
    op.drop_index(op.f("ix_payments_order_id"), table_name="payments")
    op.drop_table("payments")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("order_expiry_time_range", type_="check")
        batch.drop_column("order_expiry_time")
    op.drop_index("ix_orders_pending_expires_at", table_name="orders")
    # orders that exist only in the lifecycle have no place in the old schema's states
    op.execute("UPDATE orders SET status = 'cancelled' WHERE status <> 'completed'")
    op.execute("UPDATE orders SET payment_mode = 'online' "
               "WHERE payment_mode IN ('bank', 'cheque')")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("pending_expires", type_="check")
        batch.drop_constraint("payment_mode_known", type_="check")
        batch.create_check_constraint("payment_mode_known", OLD_MODES)
        batch.drop_constraint("status_known", type_="check")
        batch.create_check_constraint("status_known", OLD_STATUSES)
        batch.drop_constraint(op.f("fk_orders_completed_by_id_users"), type_="foreignkey")
        batch.drop_column("completed_by_id")
        batch.drop_column("completed_at")
        batch.drop_column("expired_at")
        batch.drop_column("expires_at")
