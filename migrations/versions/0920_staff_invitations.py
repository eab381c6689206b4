"""staff invitations: the owner invites an address, its holder accepts or declines

Staff were named by user id, and naming one answered with that user's email: any owner
could read every account's address. Staff now come only from accepted invitations.
Existing staff rows stay as they are.

Revision ID: 0920_staff_invitations
Revises: 0910_login_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0920_staff_invitations"
down_revision = "0910_login_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("status", sa.String(8), server_default="pending", nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'declined')",
                           name=op.f("ck_staff_invitations_invitation_status_known")),
        sa.CheckConstraint("(status = 'pending') = (responded_at IS NULL)",
                           name=op.f("ck_staff_invitations_responded_unless_pending")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE",
                                name=op.f("fk_staff_invitations_event_id_events")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_staff_invitations_invited_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitations")),
        sa.UniqueConstraint("event_id", "email",
                            name=op.f("uq_staff_invitations_event_id_email")),
    )
    op.create_index(op.f("ix_staff_invitations_email"), "staff_invitations", ["email"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_invitations_email"), table_name="staff_invitations")
    op.drop_table("staff_invitations")
