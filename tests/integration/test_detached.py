"""`detached()`: an instance from a Core row behaves as one a closed session loaded."""

from __future__ import annotations

from sqlalchemy import inspect, select

from models.accounts.tables import User
from models.core.base import detached
from tests.support.statements import executed


def test_a_detached_instance_is_as_loaded_and_writes_only_what_changes(db):
    with db.session() as s:
        s.add(User(email="ada@example.com", password_hash="x", display_name="Ada"))
        s.commit()
    with db.engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.email == "ada@example.com")
                           ).one()
    user = detached(User, row)
    state = inspect(user)
    assert state.detached and state.key == (User, (row.id,), None)
    assert (user.id, user.email, user.display_name) == (row.id, "ada@example.com", "Ada")
    assert not state.modified  # the row's values are its committed state
    user.display_name = "Ada L."
    history = state.attrs.display_name.history
    assert (history.added, history.deleted) == (["Ada L."], ["Ada"])
    with executed(db) as sent, db.session() as s:
        s.add(user)
        assert inspect(user).persistent
        s.commit()
    # one UPDATE of what changed, by primary key: no SELECT to reload it, no INSERT
    assert [statement for statement, _ in sent] == [
        "UPDATE users SET display_name=%(display_name)s WHERE users.id = %(users_id)s"]
    assert sent[0][1] == {"display_name": "Ada L.", "users_id": row.id}
    with db.session() as s:
        [stored] = s.scalars(select(User)).all()
    assert (stored.id, stored.email, stored.display_name) == (row.id, "ada@example.com",
                                                              "Ada L.")
