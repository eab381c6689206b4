"""speakers branch: a speaker group's own queue, and guest requests for a group (issue 24)

A guest link and a banned query belong to a speaker or to a group, exactly one of them.
Batch mode for the two guest tables: SQLite rebuilds them to relax NOT NULL (they have no
triggers to lose); PostgreSQL alters them in place.

Revision ID: 1600_speakers_group_queues
Revises: 1110_order_tickets_requested
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1600_speakers_group_queues"
down_revision = "1110_order_tickets_requested"
branch_labels = None
depends_on = None

ONE_TARGET = "(speaker_id IS NULL) <> (group_id IS NULL)"


def upgrade() -> None:
    op.create_table(
        "speaker_group_queues",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("repeat", sa.String(3), nullable=False),
        sa.Column("shuffle", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("playing_command_id", sa.String(36), nullable=True),
        sa.Column("playing_item_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("repeat IN ('off', 'one', 'all')",
                           name=op.f("ck_speaker_group_queues_repeat_known")),
        sa.ForeignKeyConstraint(["group_id"], ["speaker_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_group_queues_group_id_speaker_groups")),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_speaker_group_queues")),
    )
    op.create_table(
        "speaker_group_queue_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("shuffle_rank", sa.Float(), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["speaker_groups.id"], ondelete="CASCADE",
            name=op.f("fk_speaker_group_queue_items_group_id_speaker_groups")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_group_queue_items")),
    )
    op.create_index(op.f("ix_speaker_group_queue_items_group_id"),
                    "speaker_group_queue_items", ["group_id"])
    with op.batch_alter_table("guest_request_links") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.alter_column("speaker_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(op.f("fk_guest_request_links_group_id_speaker_groups"),
                                 "speaker_groups", ["group_id"], ["id"], ondelete="CASCADE")
        batch.create_index(op.f("ix_guest_request_links_group_id"), ["group_id"])
        batch.create_check_constraint(op.f("ck_guest_request_links_one_target"), ONE_TARGET)
    with op.batch_alter_table("guest_bans") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.alter_column("speaker_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(op.f("fk_guest_bans_group_id_speaker_groups"),
                                 "speaker_groups", ["group_id"], ["id"], ondelete="CASCADE")
        batch.create_unique_constraint(op.f("uq_guest_bans_group_id_query"),
                                       ["group_id", "query"])
        batch.create_check_constraint(op.f("ck_guest_bans_one_target"), ONE_TARGET)


def downgrade() -> None:
    op.execute("DELETE FROM guest_bans WHERE speaker_id IS NULL")
    op.execute("DELETE FROM guest_request_links WHERE speaker_id IS NULL")
    with op.batch_alter_table("guest_bans") as batch:
        batch.drop_constraint(op.f("ck_guest_bans_one_target"), type_="check")
        batch.drop_constraint(op.f("uq_guest_bans_group_id_query"), type_="unique")
        batch.drop_constraint(op.f("fk_guest_bans_group_id_speaker_groups"),
                              type_="foreignkey")
        batch.drop_column("group_id")
        batch.alter_column("speaker_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("guest_request_links") as batch:
        batch.drop_constraint(op.f("ck_guest_request_links_one_target"), type_="check")
        batch.drop_index(op.f("ix_guest_request_links_group_id"))
        batch.drop_constraint(op.f("fk_guest_request_links_group_id_speaker_groups"),
                              type_="foreignkey")
        batch.drop_column("group_id")
        batch.alter_column("speaker_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index(op.f("ix_speaker_group_queue_items_group_id"),
                  table_name="speaker_group_queue_items")
    op.drop_table("speaker_group_queue_items")
    op.drop_table("speaker_group_queues")
