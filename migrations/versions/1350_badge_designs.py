"""badge designs: saved badge templates and uploaded badge images

Revision ID: 1350_badge_designs
Revises: 1010_currencies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1350_badge_designs"
down_revision = "1010_currencies"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "badge_templates",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_badge_templates_owner_id_users")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="SET NULL",
                                name=op.f("fk_badge_templates_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_templates")),
    )
    op.create_index(op.f("ix_badge_templates_owner_id"), "badge_templates", ["owner_id"])
    op.create_index(op.f("ix_badge_templates_event_id"), "badge_templates", ["event_id"])
    op.create_table(
        "badge_images",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("file_path", sa.String(length=1024), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("focus_x", sa.Float(), server_default="0.5", nullable=False),
        sa.Column("focus_y", sa.Float(), server_default="0.5", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("focus_x >= 0 AND focus_x <= 1 AND focus_y >= 0 AND focus_y <= 1",
                           name=op.f("ck_badge_images_focus_inside")),
        sa.CheckConstraint("width > 0 AND height > 0",
                           name=op.f("ck_badge_images_size_positive")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_badge_images_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_badge_images")),
    )
    op.create_index(op.f("ix_badge_images_owner_id"), "badge_images", ["owner_id"])


def downgrade() -> None:
    op.drop_table("badge_images")
    op.drop_table("badge_templates")
