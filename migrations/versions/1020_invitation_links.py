"""staff_invitations.link_nonce: invitations are accepted through a signed, single-use
link mailed to the invited address; pending invitations of before get no link (their
owner invites again to mail one)

Revision ID: 1020_invitation_links
Revises: 1520_attendee_sync_xid
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1020_invitation_links"
down_revision = "1520_attendee_sync_xid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_invitations") as batch:
        batch.add_column(sa.Column("link_nonce", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_invitations") as batch:
        batch.drop_column("link_nonce")
