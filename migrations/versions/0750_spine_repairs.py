"""outbox quarantine, stats counts that may dip below zero, speaker receive time

- `outbox.quarantined_at`: a row the broker kept refusing is set aside after N attempts
  instead of stalling every batch behind it; an operator replays it.
- The stats consumer applies events in any order (a check-out may arrive before its
  check-in), so a count may be below zero until the other event arrives; the CHECKs
  that dead-lettered those events go. Reads clamp at zero.
- `speakers.state_received_at`: state ordering and last-seen use the server's receive
  time, not the device's clock.

Revision ID: 0750_spine_repairs
Revises: 0700_order_lifecycle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0750_spine_repairs"
down_revision = "0700_order_lifecycle"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("quarantined_at", sa.DateTime(timezone=True),
                                   nullable=True))
    for table in ("event_stats", "ticket_stats"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_counts_not_negative"), type_="check")
    with op.batch_alter_table("speakers") as batch:
        batch.add_column(sa.Column("state_received_at", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("speakers") as batch:
        batch.drop_column("state_received_at")
    for table in ("event_stats", "ticket_stats"):
        op.execute(f"UPDATE {table} SET sold = greatest(sold, 0), "
                   "checked_in = greatest(checked_in, 0), inside = greatest(inside, 0)"
                   if op.get_bind().dialect.name == "postgresql" else
                   f"UPDATE {table} SET sold = max(sold, 0), "
                   "checked_in = max(checked_in, 0), inside = max(inside, 0)")
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(
                "counts_not_negative", "sold >= 0 AND checked_in >= 0 AND inside >= 0")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("quarantined_at")
