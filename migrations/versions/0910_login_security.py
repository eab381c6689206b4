"""login security: token versions, deactivation, verified addresses, the sign-in throttle

Users get `token_version` (bumped by logout, a password change and deactivation: tokens
issued under an older version are refused), `is_active` and `email_verified_at`. Users
that exist before this revision keep receiving mail: they are marked verified now.

Revision ID: 0910_login_security
Revises: 0900_speaker_broker_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0910_login_security"
down_revision = "0900_speaker_broker_identity"
branch_labels = None
depends_on = None


STATUSES = "status IN ('sending', 'sent', 'failed')"
STATUSES_HELD = "status IN ('held', 'sending', 'sent', 'failed')"


def _mail_statuses(check: str) -> None:
    with op.batch_alter_table("badge_mails") as batch:
        batch.drop_constraint(op.f("ck_badge_mails_status_known"), type_="check")
        batch.create_check_constraint("status_known", check)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("is_active", sa.Boolean(), nullable=False,
                                   server_default=sa.text("true")))
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE users SET email_verified_at = created_at"))
    op.create_table(
        "auth_throttles",
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_auth_throttles_failures_not_negative")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_auth_throttles")),
    )
    op.create_index(op.f("ix_auth_throttles_window_started_at"), "auth_throttles",
                    ["window_started_at"])
    _mail_statuses(STATUSES_HELD)  # a badge mail waits for the owner's verified address


def downgrade() -> None:
    op.execute(sa.text("UPDATE badge_mails SET status = 'failed', "
                       "last_error = 'held for an unverified address' WHERE status = 'held'"))
    _mail_statuses(STATUSES)
    op.drop_table("auth_throttles")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
        batch.drop_column("is_active")
        batch.drop_column("token_version")
