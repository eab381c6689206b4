"""attendee_sync_xid: the transaction that last changed what a desk keeps of an attendee,
so that a sync finds a change whose number was taken before, but committed after, the
one it last saw (numbers are taken inside transactions that commit in any order)

Revision ID: 1520_attendee_sync_xid
Revises: 1100_event_place_and_zone
"""

from __future__ import annotations

from alembic import op

revision = "1520_attendee_sync_xid"
down_revision = "1100_event_place_and_zone"
branch_labels = None
depends_on = None

XID = "(pg_current_xact_id()::text)::bigint"  # 64-bit, never wraps


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE attendees ADD COLUMN sync_xid BIGINT NOT NULL DEFAULT {XID}")
        op.execute(f"""CREATE OR REPLACE FUNCTION attendee_sync_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN NEW.sync_seq := nextval('attendee_sync_seq');
            NEW.sync_xid := {XID}; RETURN NEW; END $$""")
        op.execute(f"""CREATE OR REPLACE FUNCTION order_sync_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN UPDATE attendees SET
            sync_seq = nextval('attendee_sync_seq'), sync_xid = {XID}
            WHERE order_id = NEW.id; RETURN NULL; END $$""")
    else:  # SQLite writes one transaction at a time: commits follow the numbers
        op.execute("ALTER TABLE attendees ADD COLUMN sync_xid BIGINT NOT NULL DEFAULT 0")
    op.create_index("ix_attendees_event_id_sync_xid", "attendees",
                    ["event_id", "sync_xid", "sync_seq"])


def downgrade() -> None:
    op.drop_index("ix_attendees_event_id_sync_xid", "attendees")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE OR REPLACE FUNCTION attendee_sync_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN NEW.sync_seq := nextval('attendee_sync_seq');
            RETURN NEW; END $$""")
        op.execute("""CREATE OR REPLACE FUNCTION order_sync_bump() RETURNS trigger
            LANGUAGE plpgsql AS $$ BEGIN UPDATE attendees SET
            sync_seq = nextval('attendee_sync_seq') WHERE order_id = NEW.id;
            RETURN NULL; END $$""")
    # not a batch copy on SQLite: the triggers of 1500 name the table
    op.execute("ALTER TABLE attendees DROP COLUMN sync_xid")
