"""ticketing tables

Revision ID: 0100_ticketing
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0100_ticketing"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_stats",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("device_name", sa.String(length=255), nullable=False),
        sa.Column("check_ins", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("check_ins >= 0", name=op.f("ck_device_stats_check_ins_not_negative")),
        sa.PrimaryKeyConstraint("event_id", "device_name", name=op.f("pk_device_stats")),
    )
    op.create_table(
        "event_stats",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checked_in", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inside", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "sold >= 0 AND checked_in >= 0 AND inside >= 0",
            name=op.f("ck_event_stats_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_stats")),
    )
    op.create_table(
        "stats_applied_facts",
        sa.Column("fact", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("fact", name=op.f("pk_stats_applied_facts")),
    )
    op.create_table(
        "ticket_stats",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checked_in", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inside", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "sold >= 0 AND checked_in >= 0 AND inside >= 0",
            name=op.f("ck_ticket_stats_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_stats")),
    )
    op.create_index(op.f("ix_ticket_stats_event_id"), "ticket_stats", ["event_id"], unique=False)
    op.create_table(
        "discount_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("used_for", sa.String(length=8), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("value", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_till", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tickets_number", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "type IN ('amount', 'percent')", name=op.f("ck_discount_codes_type_known")
        ),
        sa.CheckConstraint(
            "used_for IN ('ticket', 'event')", name=op.f("ck_discount_codes_used_for_known")
        ),
        sa.CheckConstraint(
            "value >= 0 AND (type <> 'percent' OR value <= 100)",
            name=op.f("ck_discount_codes_value_range"),
        ),
        sa.CheckConstraint(
            "used_count >= 0 AND (tickets_number IS NULL OR used_count <= tickets_number)",
            name=op.f("ck_discount_codes_uses_within_limit"),
        ),
        sa.CheckConstraint(
            "valid_till IS NULL OR valid_from IS NULL OR valid_till >= valid_from",
            name=op.f("ck_discount_codes_validity_window"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_discount_codes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_codes")),
        sa.UniqueConstraint("event_id", "code", name=op.f("uq_discount_codes_event_id_code")),
    )
    op.create_index(
        op.f("ix_discount_codes_event_id"), "discount_codes", ["event_id"], unique=False
    )
    op.create_table(
        "event_staff",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_staff_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_event_staff_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_staff")),
    )
    op.create_index(op.f("ix_event_staff_user_id"), "event_staff", ["user_id"], unique=False)
    op.create_table(
        "discount_code_tickets",
        sa.Column("discount_code_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discount_code_id"],
            ["discount_codes.id"],
            name=op.f("fk_discount_code_tickets_discount_code_id_discount_codes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_discount_code_tickets_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "discount_code_id", "ticket_id", name=op.f("pk_discount_code_tickets")
        ),
    )
    op.create_index(
        op.f("ix_discount_code_tickets_ticket_id"),
        "discount_code_tickets",
        ["ticket_id"],
        unique=False,
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("payment_mode", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("discount_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("discount_code_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "payment_mode IN ('free', 'onsite', 'online')",
            name=op.f("ck_orders_payment_mode_known"),
        ),
        sa.CheckConstraint(
            "status IN ('completed', 'cancelled')", name=op.f("ck_orders_status_known")
        ),
        sa.CheckConstraint(
            "amount >= 0 AND discount_amount >= 0", name=op.f("ck_orders_amounts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["discount_code_id"],
            ["discount_codes.id"],
            name=op.f("fk_orders_discount_code_id_discount_codes"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_orders_event_id_events"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_orders_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(
        op.f("ix_orders_discount_code_id"), "orders", ["discount_code_id"], unique=False
    )
    op.create_index(op.f("ix_orders_event_id"), "orders", ["event_id"], unique=False)
    op.create_index(op.f("ix_orders_user_id"), "orders", ["user_id"], unique=False)
    op.create_table(
        "attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=True),
        sa.Column("first_name", sa.String(length=255), nullable=False),
        sa.Column("last_name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("checkin_secret", sa.String(length=64), nullable=False),
        sa.Column("is_checked_in", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_checked_out", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("is_cancelled", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "is_cancelled OR unit IS NOT NULL", name=op.f("ck_attendees_active_has_unit")
        ),
        sa.CheckConstraint("unit IS NULL OR unit >= 1", name=op.f("ck_attendees_unit_positive")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_attendees_event_id_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_attendees_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_attendees_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendees")),
        sa.UniqueConstraint("checkin_secret", name=op.f("uq_attendees_checkin_secret")),
        sa.UniqueConstraint("ticket_id", "unit", name=op.f("uq_attendees_ticket_id_unit")),
    )
    op.create_index(op.f("ix_attendees_event_id"), "attendees", ["event_id"], unique=False)
    op.create_index(op.f("ix_attendees_order_id"), "attendees", ["order_id"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_idempotency_keys_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("discount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_order_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price >= 0 AND discount >= 0", name=op.f("ck_order_lines_prices_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_order_lines_ticket_id_tickets"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint(
            "order_id", "ticket_id", name=op.f("uq_order_lines_order_id_ticket_id")
        ),
    )
    op.create_index(op.f("ix_order_lines_ticket_id"), "order_lines", ["ticket_id"], unique=False)
    op.create_table(
        "check_in_scans",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("attendee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_name", sa.String(length=255), nullable=True),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("scanned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('entry', 'exit')", name=op.f("ck_check_in_scans_kind_known")),
        sa.ForeignKeyConstraint(
            ["attendee_id"],
            ["attendees.id"],
            name=op.f("fk_check_in_scans_attendee_id_attendees"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scanned_by_id"],
            ["users.id"],
            name=op.f("fk_check_in_scans_scanned_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_in_scans")),
        sa.UniqueConstraint(
            "attendee_id", "nonce", name=op.f("uq_check_in_scans_attendee_id_nonce")
        ),
    )
    op.create_index(
        "ix_check_in_scans_attendee_id_at", "check_in_scans", ["attendee_id", "at"], unique=False
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_index("ix_check_in_scans_attendee_id_at", table_name="check_in_scans")
    op.drop_table("check_in_scans")
    op.drop_index(op.f("ix_order_lines_ticket_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_attendees_order_id"), table_name="attendees")
    op.drop_index(op.f("ix_attendees_event_id"), table_name="attendees")
    op.drop_table("attendees")
    op.drop_index(op.f("ix_orders_user_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_event_id"), table_name="orders")
    op.drop_index(op.f("ix_orders_discount_code_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_discount_code_tickets_ticket_id"), table_name="discount_code_tickets")
    op.drop_table("discount_code_tickets")
    op.drop_index(op.f("ix_event_staff_user_id"), table_name="event_staff")
    op.drop_table("event_staff")
    op.drop_index(op.f("ix_discount_codes_event_id"), table_name="discount_codes")
    op.drop_table("discount_codes")
    op.drop_index(op.f("ix_ticket_stats_event_id"), table_name="ticket_stats")
    op.drop_table("ticket_stats")
    op.drop_table("stats_applied_facts")
    op.drop_table("event_stats")
    op.drop_table("device_stats")
    # ### end Alembic commands ###
