"""guest requests: public request links per speaker, the requests and banned queries

Revision ID: 1202_guest_requests
Revises: 1201_speaker_groups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1202_guest_requests"
down_revision = "1201_speaker_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guest_request_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode IN ('auto', 'approve')",
                           name=op.f("ck_guest_request_links_mode_known")),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE",
                                name=op.f("fk_guest_request_links_speaker_id_speakers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_request_links")),
        sa.UniqueConstraint("token", name=op.f("uq_guest_request_links_token")),
    )
    op.create_index(op.f("ix_guest_request_links_speaker_id"), "guest_request_links",
                    ["speaker_id"])
    op.create_table(
        "guest_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("guest_key", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'queued', 'rejected')",
                           name=op.f("ck_guest_requests_status_known")),
        sa.ForeignKeyConstraint(["link_id"], ["guest_request_links.id"], ondelete="CASCADE",
                                name=op.f("fk_guest_requests_link_id_guest_request_links")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_requests")),
    )
    op.create_index(op.f("ix_guest_requests_link_id"), "guest_requests", ["link_id"])
    op.create_table(
        "guest_bans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("speaker_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(["speaker_id"], ["speakers.id"], ondelete="CASCADE",
                                name=op.f("fk_guest_bans_speaker_id_speakers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guest_bans")),
        sa.UniqueConstraint("speaker_id", "query", name=op.f("uq_guest_bans_speaker_id_query")),
    )


def downgrade() -> None:
    op.drop_table("guest_bans")
    op.drop_index(op.f("ix_guest_requests_link_id"), table_name="guest_requests")
    op.drop_table("guest_requests")
    op.drop_index(op.f("ix_guest_request_links_speaker_id"), table_name="guest_request_links")
    op.drop_table("guest_request_links")
