"""Each private name of a library that venuebus calls, checked on the installed version.

The lock (requirements/*.lock) fixes the versions, and pyproject bounds the libraries
whose privates we use. An upgrade that renames or reshapes one of these fails here, by
name, instead of as a wrong answer deep in a request."""
import inspect
from datetime import date
from importlib.metadata import version

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.engine import Connection

from tests.support.locks import locked_versions

TABLE = Table("t", MetaData(), Column("a", Integer), Column("b", String))


def test_connection_cursor_execute_runs_a_statement_on_a_raw_cursor():
    # the prepared-statement path hands SQLAlchemy a DBAPI cursor, the SQL and a tuple
    params = list(inspect.signature(Connection._cursor_execute).parameters)
    assert params[:4] == ["self", "cursor", "statement", "parameters"]
    engine = create_engine("sqlite://")
    seen = []
    with engine.connect() as conn:
        from sqlalchemy import event
        event.listen(conn, "before_cursor_execute",
                     lambda *a: seen.append(a[2]))  # the events still run
        cursor = conn.connection.dbapi_connection.cursor()
        conn._cursor_execute(cursor, "select ? + 1", (41,))
        assert cursor.fetchall() == [(42,)]
    assert seen == ["select ? + 1"]


def test_select_order_by_clauses_holds_the_order_in_its_given_sequence():
    stmt = select(TABLE).order_by(TABLE.c.b, TABLE.c.a.desc())
    order = stmt._order_by_clauses
    assert [str(c) for c in order] == ["t.b", "t.a DESC"]
    assert select(TABLE)._order_by_clauses == ()


def test_marshmallow_number_formatting_and_serialize_signature():
    assert fields.Integer()._format_num("7") == 7
    assert fields.Float()._format_num("1.5") == 1.5
    params = list(inspect.signature(fields.Field._serialize).parameters)
    assert params[:4] == ["self", "value", "attr", "obj"]
    assert fields.Date()._serialize(date(2026, 12, 7), "x", {}) == "2026-12-07"


def test_marshmallow_hooks_registry_and_check_attribute_flag():
    class Hooked(Schema):
        a = fields.String()

        @pre_dump
        def before(self, data, **kwargs):
            return data

        @post_dump
        def after(self, data, **kwargs):
            return data

    class Plain(Schema):
        a = fields.String()

    assert Hooked._hooks["pre_dump"] and Hooked._hooks["post_dump"]
    assert not Plain._hooks["pre_dump"] and not Plain._hooks["post_dump"]
    assert fields.String._CHECK_ATTRIBUTE is True
    assert fields.Method._CHECK_ATTRIBUTE is False  # reads no attribute: marshmallow's path
    assert fields.Function._CHECK_ATTRIBUTE is False


@pytest.mark.parametrize("name", ["SQLAlchemy", "marshmallow", "pika", "Flask", "psycopg2-binary"])
def test_the_installed_version_is_the_locked_one(name):
    # `make setup` installs requirements/dev.lock; a drift means the lock is not in use
    assert version(name) == locked_versions()[name.lower()]
