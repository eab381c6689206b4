"""timeline_buckets.span: each delta is kept per 5 minutes, hour and day

Reads of hours and days summed 5-minute rows: 150 ms for 90 days of an event with
50,000 orders (bench/dashboard.py). Now each span has its rows, and the key starts with
(event, span, time) so that a read is one range of it. Existing 5-minute rows are
summed into their hours and days once, here.

Revision ID: 1420_timeline_spans
Revises: 1410_exports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "1420_timeline_spans"
down_revision = "1410_exports"
branch_labels = None
depends_on = None

COLUMNS = ["event_id", "span", "bucket_at", "series", "key"]
TRUNC = {"postgresql": {"hour": "date_trunc('hour', bucket_at AT TIME ZONE 'UTC') "
                                "AT TIME ZONE 'UTC'",
                        "day": "date_trunc('day', bucket_at AT TIME ZONE 'UTC') "
                               "AT TIME ZONE 'UTC'"},
         "sqlite": {"hour": "strftime('%Y-%m-%d %H:00:00.000000', bucket_at)",
                    "day": "strftime('%Y-%m-%d 00:00:00.000000', bucket_at)"}}


def upgrade() -> None:
    with op.batch_alter_table("timeline_buckets") as batch:
        batch.add_column(sa.Column("span", sa.String(4), server_default="5m", nullable=False))
        batch.drop_constraint("pk_timeline_buckets", type_="primary")
        batch.create_primary_key("pk_timeline_buckets", COLUMNS)
        batch.create_check_constraint(op.f("ck_timeline_buckets_span_known"),
                                      "span IN ('5m', 'hour', 'day')")
    trunc = TRUNC[op.get_bind().dialect.name]
    for span in ("hour", "day"):
        op.execute(f"INSERT INTO timeline_buckets (event_id, series, key, span, bucket_at, value) "
                   f"SELECT event_id, series, key, '{span}', {trunc[span]}, sum(value) "
                   f"FROM timeline_buckets WHERE span = '5m' "
                   f"GROUP BY event_id, series, key, {trunc[span]}")


def downgrade() -> None:
    op.execute("DELETE FROM timeline_buckets WHERE span <> '5m'")
    with op.batch_alter_table("timeline_buckets") as batch:
        batch.drop_constraint(op.f("ck_timeline_buckets_span_known"), type_="check")
        batch.drop_constraint("pk_timeline_buckets", type_="primary")
        batch.create_primary_key("pk_timeline_buckets",
                                 ["event_id", "series", "key", "bucket_at"])
        batch.drop_column("span")
