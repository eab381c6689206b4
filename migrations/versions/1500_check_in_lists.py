"""check_in_lists: an event's check-in lists (pretix's model), a default list for every
event, and a change counter on attendees (`sync_seq`) that the desks' sync reads by cursor

Revision ID: 1500_check_in_lists
Revises: 1202_guest_requests
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "1500_check_in_lists"
down_revision = "1202_guest_requests"
branch_labels = None
depends_on = None

# what a desk keeps of an attendee: a change to any of these (or to its order's status)
# moves the attendee past every cursor
SYNCED = ("first_name", "last_name", "ticket_id", "checkin_secret", "is_checked_in",
          "is_checked_out", "is_cancelled")
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SYNCED)

POSTGRES = [
    "CREATE SEQUENCE attendee_sync_seq",
    "ALTER TABLE attendees ADD COLUMN sync_seq BIGINT NOT NULL "
    "DEFAULT nextval('attendee_sync_seq')",
    """CREATE FUNCTION attendee_sync_bump() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN NEW.sync_seq := nextval('attendee_sync_seq'); RETURN NEW; END $$""",
    f"""CREATE TRIGGER attendees_sync_bump BEFORE UPDATE ON attendees FOR EACH ROW
        WHEN ({_CHANGED}) EXECUTE FUNCTION attendee_sync_bump()""",
    """CREATE FUNCTION order_sync_bump() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN UPDATE attendees SET sync_seq = nextval('attendee_sync_seq')
             WHERE order_id = NEW.id; RETURN NULL; END $$""",
    """CREATE TRIGGER orders_sync_bump AFTER UPDATE OF status ON orders FOR EACH ROW
       WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION order_sync_bump()""",
]
_NEXT = "(SELECT COALESCE(MAX(sync_seq), 0) + 1 FROM attendees)"  # SQLite writes one at a time
SQLITE = [
    "ALTER TABLE attendees ADD COLUMN sync_seq BIGINT NOT NULL DEFAULT 0",
    "UPDATE attendees SET sync_seq = id",
    f"""CREATE TRIGGER attendees_sync_new AFTER INSERT ON attendees BEGIN
        UPDATE attendees SET sync_seq = {_NEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER attendees_sync_bump AFTER UPDATE OF {', '.join(SYNCED)} ON attendees
        WHEN {_CHANGED} BEGIN
        UPDATE attendees SET sync_seq = {_NEXT} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER orders_sync_bump AFTER UPDATE OF status ON orders
        WHEN OLD.status IS NOT NEW.status BEGIN
        UPDATE attendees SET sync_seq = {_NEXT} WHERE order_id = NEW.id; END""",
]


def upgrade() -> None:
    op.create_table(
        "check_in_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("all_tickets", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("allow_re_entry", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("entry_after_exit", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("admits_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("revision", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR "
                           "valid_from < valid_until",
                           name=op.f("ck_check_in_lists_window_ordered")),
        sa.CheckConstraint("NOT is_default OR (all_tickets AND allow_re_entry AND "
                           "entry_after_exit AND NOT admits_pending AND valid_from IS NULL "
                           "AND valid_until IS NULL)",
                           name=op.f("ck_check_in_lists_default_admits_as_before")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_lists_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_lists")),
        sa.UniqueConstraint("event_id", "name", name=op.f("uq_check_in_lists_event_id_name")),
    )
    op.create_index("ix_check_in_lists_one_default", "check_in_lists", ["event_id"],
                    unique=True, postgresql_where=sa.text("is_default"),
                    sqlite_where=sa.text("is_default"))
    op.create_table(
        "check_in_list_tickets",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["check_in_lists.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_list_tickets_list_id_check_in_lists")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE",
                                name=op.f("fk_check_in_list_tickets_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("list_id", "ticket_id", name=op.f("pk_check_in_list_tickets")),
    )
    bind = op.get_bind()
    for statement in POSTGRES if bind.dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.create_index("ix_attendees_event_id_sync_seq", "attendees", ["event_id", "sync_seq"])
    if bind.dialect.name != "postgresql":
        op.create_index("ix_attendees_sync_seq", "attendees", ["sync_seq"])
    events = bind.execute(sa.text("SELECT id FROM events")).scalars().all()
    for event_id in events:
        bind.execute(sa.text(
            "INSERT INTO check_in_lists (event_id, name, is_default, salt, created_at) "
            "VALUES (:e, 'Default', true, :salt, CURRENT_TIMESTAMP)"),
            {"e": event_id, "salt": secrets.token_hex(16)})


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER orders_sync_bump ON orders")
        op.execute("DROP TRIGGER attendees_sync_bump ON attendees")
        op.execute("DROP FUNCTION order_sync_bump()")
        op.execute("DROP FUNCTION attendee_sync_bump()")
    else:
        for name in ("orders_sync_bump", "attendees_sync_bump", "attendees_sync_new"):
            op.execute(f"DROP TRIGGER {name}")
        op.drop_index("ix_attendees_sync_seq", "attendees")
    op.drop_index("ix_attendees_event_id_sync_seq", "attendees")
    with op.batch_alter_table("attendees") as batch:
        batch.drop_column("sync_seq")
    if bind.dialect.name == "postgresql":
        op.execute("DROP SEQUENCE attendee_sync_seq")
    op.drop_table("check_in_list_tickets")
    op.drop_index("ix_check_in_lists_one_default", "check_in_lists")
    op.drop_table("check_in_lists")
