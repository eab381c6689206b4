"""pending holds: the units each buyer holds in pending orders of an event

One buyer could hold every unit of an event with unpaid orders renewed as they expire.
The count per (buyer, event) is capped (MAX_PENDING_UNITS_PER_BUYER) by a CHECK on its
row; existing pending orders are counted in, with a cap no lower than what they hold.

Revision ID: 1010_pending_holds
Revises: 1010_order_identifiers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1010_pending_holds"
down_revision = "1010_order_identifiers"
branch_labels = None
depends_on = None

DEFAULT_CAP = 10


def upgrade() -> None:
    op.create_table(
        "pending_holds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("cap", sa.Integer(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_pending_holds_units_not_negative")),
        sa.CheckConstraint("units <= cap", name=op.f("ck_pending_holds_within_cap")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_pending_holds_event_id_events")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_pending_holds_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "event_id", name=op.f("pk_pending_holds")),
    )
    op.execute(f"""
        INSERT INTO pending_holds (user_id, event_id, units, cap)
        SELECT o.user_id, o.event_id, SUM(l.quantity),
               CASE WHEN SUM(l.quantity) > {DEFAULT_CAP} THEN SUM(l.quantity)
                    ELSE {DEFAULT_CAP} END
        FROM orders o JOIN order_lines l ON l.order_id = o.id
        WHERE o.status = 'pending' GROUP BY o.user_id, o.event_id""")


def downgrade() -> None:
    op.drop_table("pending_holds")
