"""orders.discount_uses: the discount code's uses an order took

A cancel gave back one use per line quantity with a discount above zero; a code that
made a ticket free (or a 0 value) had taken uses it then never got back. The order now
stores what it took. Existing orders get the old count, the best there is to go on.

Revision ID: 0600_order_discount_uses
Revises: 0500_attendee_scan_count
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0600_order_discount_uses"
down_revision = "0500_attendee_scan_count"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("discount_uses", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_check_constraint("discount_uses_not_negative", "discount_uses >= 0")
    op.execute("UPDATE orders SET discount_uses = (SELECT coalesce(sum(quantity), 0) "
               "FROM order_lines WHERE order_lines.order_id = orders.id "
               "AND order_lines.discount > 0) WHERE discount_code_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("discount_uses_not_negative", type_="check")
        batch.drop_column("discount_uses")
