"""orders.tickets_requested_at: when the tickets were last asked to be mailed again

A resend of an order's tickets is throttled per order (models/ticketing/tickets/resend.py):
the order's row, locked, holds the time of the last request.

Revision ID: 1110_order_tickets_requested
Revises: 1020_invitation_links
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1110_order_tickets_requested"
down_revision = "1020_invitation_links"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite (3.35+) adds and drops a column in place, and
# batch mode would rebuild `orders` and lose its triggers (1500_check_in_lists).
def upgrade() -> None:
    op.add_column("orders", sa.Column("tickets_requested_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "tickets_requested_at")
