"""events.timezone and events.location_name: where and in which local time a ticket says
the event happens

Until now every event was "UTC" in the API and had no place. A ticket shows its time in
the event's own timezone (an IANA name, checked by the API against the tz database) and
its venue when it has one.

Revision ID: 1100_event_place_and_zone
Revises: 1510_check_in_conflicts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1100_event_place_and_zone"
down_revision = "1510_check_in_conflicts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("timezone", sa.String(64), server_default="UTC",
                                   nullable=False))
        batch.add_column(sa.Column("location_name", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("location_name")
        batch.drop_column("timezone")
