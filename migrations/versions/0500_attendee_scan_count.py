"""attendees.scan_count: the number of check-in scans of the attendee

The door reads an attendee and its scans in the statement that locks the attendee. A
scan that committed while that statement waited for the lock is missing from the
statement's snapshot, but the locked row itself is re-read at its newest version: every
scan bumps `scan_count`, so a count that differs from the scans read says "read them
again". A CHECK keeps it from going negative.

Revision ID: 0500_attendee_scan_count
Revises: 0400_outbox_type_notify
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0500_attendee_scan_count"
down_revision = "0400_outbox_type_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attendees") as batch:
        batch.add_column(sa.Column("scan_count", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.create_check_constraint("scan_count_not_negative", "scan_count >= 0")
    op.execute("UPDATE attendees SET scan_count = (SELECT count(*) FROM check_in_scans "
               "WHERE check_in_scans.attendee_id = attendees.id)")


def downgrade() -> None:
    with op.batch_alter_table("attendees") as batch:
        batch.drop_constraint("scan_count_not_negative", type_="check")
        batch.drop_column("scan_count")
