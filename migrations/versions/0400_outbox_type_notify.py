"""outbox.type column and the NOTIFY trigger; joins the ticketing, badges and speakers heads

The AMQP `type` property comes from the stored CloudEvents type rather than from the
routing key (a speaker command's key carries its device id, its type does not). On
PostgreSQL a statement trigger sends NOTIFY on every insert into the outbox, so a
request no longer spends a round trip on it; NOTIFY is delivered at commit only.

Revision ID: 0400_outbox_type_notify
Revises: 0100_ticketing, 0200_badges, 0300_speakers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0400_outbox_type_notify"
down_revision = ("0100_ticketing", "0200_badges", "0300_speakers")
branch_labels = None
depends_on = None

CHANNEL = "venuebus_outbox"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("type", sa.String(length=255), nullable=False,
                                   server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE outbox SET type = payload::json->>'type'")
        op.execute(f"""CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$""")
        op.execute("CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
                   "FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()")
    else:
        op.execute("UPDATE outbox SET type = json_extract(payload, '$.type')")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("type", server_default=None)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS outbox_notify()")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("type")
