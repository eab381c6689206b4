"""orders.tickets_requested_at: when the tickets were last asked to be mailed again

A resend of an order's tickets is throttled per order (models/ticketing/tickets/resend.py):
the order's row, locked, holds the time of the last request.

Revision ID: 1110_order_tickets_requested
Revises: 1100_event_place_and_zone
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1110_order_tickets_requested"
down_revision = "1100_event_place_and_zone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("tickets_requested_at", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("tickets_requested_at")
