"""speaker queues: the queue the backend keeps per speaker (issue 24)

Revision ID: 1200_speaker_queues
Revises: 1020_mails
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1200_speaker_queues"
down_revision = "1020_mails"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speaker_queues",
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("repeat", sa.String(3), nullable=False),
        sa.Column("shuffle", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("repeat IN ('off', 'one', 'all')",
                           name=op.f("ck_speaker_queues_repeat_known")),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_queues_speaker_id_speakers")),
        sa.PrimaryKeyConstraint("speaker_id", name=op.f("pk_speaker_queues")),
    )
    op.create_table(
        "speaker_queue_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("shuffle_rank", sa.Float(), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_queue_items_speaker_id_speakers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_queue_items")),
    )
    op.create_index(op.f("ix_speaker_queue_items_speaker_id"), "speaker_queue_items",
                    ["speaker_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_speaker_queue_items_speaker_id"), table_name="speaker_queue_items")
    op.drop_table("speaker_queue_items")
    op.drop_table("speaker_queues")
