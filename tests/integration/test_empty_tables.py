"""Each test starts on empty tables with ids from 1 (tests/support/services.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.catalog.tables import Event
from tests.support.api import create_event, sign_up
from tests.support.outbox import outbox_rows
from tests.support.services import empty_tables


def test_emptied_tables_hold_nothing_and_count_ids_from_one_again(client, db):
    token = sign_up(client, "a@example.com")
    create_event(client, token)
    create_event(client, token)
    assert len(outbox_rows(db)) >= 1

    empty_tables(db)

    import models.registry  # noqa: F401 - every table registered on the metadata
    from models.core.base import Base

    with db.session() as s:
        left = {t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}
    assert {name: n for name, n in left.items() if n} == {}
    token = sign_up(client, "b@example.com")
    assert create_event(client, token) == "1"
    assert [r.id for r in outbox_rows(db)] == [1]  # the sign-up's user.signed_up
    with db.session() as s:
        assert s.scalar(select(Event.id)) == 1
