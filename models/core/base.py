"""Declarative base with a constraint naming convention and a UTC datetime type."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Row
from sqlalchemy.orm import DeclarativeBase, configure_mappers, make_transient_to_detached
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT identity on PostgreSQL; SQLite only autoincrements "INTEGER PRIMARY KEY".
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """timestamptz on PostgreSQL; on SQLite stored as naive UTC. Always returns aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime  # TypeDecorator's own answer is `object`: filters need this

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


T = TypeVar("T", bound=Base)


def detached(cls: type[T], row: Row[Any] | dict[str, Any]) -> T:
    """An instance of `cls` from a Core row of its table (extra columns ignored), detached
    as if loaded by a closed session: the hot paths read with one Core statement and hand
    on the same objects the ORM would."""
    values = row._mapping if isinstance(row, Row) else row
    # filled as the ORM's loading fills an instance: straight into its __dict__ without
    # __init__ or an attribute event per column (which cost more than the statement's
    # Python side), then marked detached with those values as its committed state
    obj = cls.__mapper__.class_manager.new_instance()
    obj.__dict__.update({key: values[key] for key in _column_keys(cls)})
    make_transient_to_detached(obj)
    return obj


@functools.cache
def _column_keys(cls: type[Base]) -> tuple[str, ...]:
    configure_mappers()  # as a first __init__ would: new_instance() does not
    return tuple(c.key for c in cls.__table__.columns)
