"""order identifiers: a random, stored identifier per order

Door codes were `<order id>-<attendee id>` (sequential ids: guessable) and identifiers
an HMAC of the id under SECRET_KEY (a key rotation voided every printed ticket). Each
order now has a random identifier made at placement; existing orders get one here.

Revision ID: 1010_order_identifiers
Revises: 0940_payment_checks
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "1010_order_identifiers"
down_revision = "0940_payment_checks"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("identifier", sa.String(32), nullable=True))
    conn = op.get_bind()
    orders = sa.table("orders", sa.column("id", sa.Integer),
                      sa.column("identifier", sa.String))
    ids = [row[0] for row in conn.execute(sa.select(orders.c.id))]
    update = orders.update().where(orders.c.id == sa.bindparam("order_id")) \
        .values(identifier=sa.bindparam("new_identifier"))
    for start in range(0, len(ids), BATCH):
        # the same generator as models/ticketing/codes.py (a migration imports no models)
        conn.execute(update, [{"order_id": i, "new_identifier": secrets.token_urlsafe(16)}
                              for i in ids[start:start + BATCH]])
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("identifier", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint(op.f("uq_orders_identifier"), ["identifier"])


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("uq_orders_identifier"), type_="unique")
        batch.drop_column("identifier")
