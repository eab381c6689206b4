"""speaker broker identity: the broker's salted hash of each device token

The provisioner creates a broker user per speaker from this hash (never from the token).
Speakers registered before have none: they keep working with whatever credentials they
were given until their token is rotated.

Revision ID: 0900_speaker_broker_identity
Revises: 0800_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0900_speaker_broker_identity"
down_revision = "0800_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("speakers") as batch:
        batch.add_column(sa.Column("broker_password_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("speakers") as batch:
        batch.drop_column("broker_password_hash")
