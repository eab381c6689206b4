"""speaker groups: speakers that play together, one group per speaker (issue 24)

Revision ID: 1201_speaker_groups
Revises: 1200_speaker_queues
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1201_speaker_groups"
down_revision = "1200_speaker_queues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "speaker_groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_speaker_groups_name_not_empty")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_groups_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_groups")),
    )
    op.create_index(op.f("ix_speaker_groups_owner_id"), "speaker_groups", ["owner_id"])
    op.create_table(
        "speaker_group_members",
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_group_members_speaker_id_speakers")),
        sa.ForeignKeyConstraint(["group_id"], ["speaker_groups.id"], ondelete="CASCADE",
                                name=op.f("fk_speaker_group_members_group_id_speaker_groups")),
        sa.PrimaryKeyConstraint("speaker_id", name=op.f("pk_speaker_group_members")),
    )
    op.create_index(op.f("ix_speaker_group_members_group_id"), "speaker_group_members",
                    ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_speaker_group_members_group_id"),
                  table_name="speaker_group_members")
    op.drop_table("speaker_group_members")
    op.drop_index(op.f("ix_speaker_groups_owner_id"), table_name="speaker_groups")
    op.drop_table("speaker_groups")
