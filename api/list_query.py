"""`filter=` and `sort=` on lists, as Open Event's web frontend sends them, compiled to SQL
through a whitelist of public field names per resource type.

`filter` is a JSON list of conditions, all of which must hold. A condition is
`{"name": field, "op": op, "val": value}` with op one of eq, ne, ilike, like, in, ge, le,
gt, lt; `{"name": relationship, "op": "has", "val": condition}` on a to-one
relationship; or `{"or": [conditions]}` / `{"and": [conditions]}`. `sort` is a comma list
of fields, `-` before one for descending. Anything else is a 400 whose `source.parameter`
names the parameter and whose detail points into the value (`/0/val`); never a 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from api.errors import ApiError
from api.limits import MAX_INT, parse_json
from models.catalog.tables import Event, Feedback, Ticket
from models.core.queries import Refine
from models.ticketing.tables import Attendee, Order

COMPARISONS: dict[str, Callable[[Any, Any], ColumnElement]] = {
    "eq": lambda c, v: c == v, "ne": lambda c, v: c != v, "ge": lambda c, v: c >= v,
    "le": lambda c, v: c <= v, "gt": lambda c, v: c > v, "lt": lambda c, v: c < v,
    "like": lambda c, v: c.like(v), "ilike": lambda c, v: c.ilike(v),
    "in": lambda c, v: c.in_(v),
}
MAX_DEPTH = 4
MAX_CONDITIONS = 50
MAX_LISTED = 10  # conditions at the top of the list, and values of an `in`
MAX_TEXT = 128  # characters of a text value (the whole filter rides in the request line)
NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # a number column's value given as text


@dataclass(frozen=True)
class Filterable:
    """A resource type's public fields (name → column) and its to-one relationships
    (name → (related type, join condition)) that `has` may follow."""

    fields: dict[str, InstrumentedAttribute]
    relationships: dict[str, tuple[str, Callable[[], ColumnElement]]] = \
        field(default_factory=dict)


FILTERABLE: dict[str, Filterable] = {
    "event": Filterable({"id": Event.id, "name": Event.name, "starts-at": Event.starts_at,
                         "ends-at": Event.ends_at, "average-rating": Event.average_rating,
                         "created-at": Event.created_at}),
    "ticket": Filterable({"id": Ticket.id, "name": Ticket.name, "type": Ticket.type,
                          "price": Ticket.price, "quantity": Ticket.quantity,
                          "sold-count": Ticket.sold_count, "is-hidden": Ticket.is_hidden,
                          "sales-starts-at": Ticket.sales_starts_at,
                          "sales-ends-at": Ticket.sales_ends_at},
                         {"event": ("event", lambda: Event.id == Ticket.event_id)}),
    "order": Filterable({"id": Order.id, "status": Order.status,
                         "payment-mode": Order.payment_mode, "amount": Order.amount,
                         "created-at": Order.created_at, "completed-at": Order.completed_at,
                         "cancelled-at": Order.cancelled_at, "expires-at": Order.expires_at,
                         "expired-at": Order.expired_at},
                        {"event": ("event", lambda: Event.id == Order.event_id)}),
    "attendee": Filterable({"id": Attendee.id, "firstname": Attendee.first_name,
                            "first-name": Attendee.first_name,
                            "lastname": Attendee.last_name, "last-name": Attendee.last_name,
                            "email": Attendee.email, "is-checked-in": Attendee.is_checked_in,
                            "is-checked-out": Attendee.is_checked_out,
                            "is-cancelled": Attendee.is_cancelled},
                           {"order": ("order", lambda: Order.id == Attendee.order_id),
                            "ticket": ("ticket", lambda: Ticket.id == Attendee.ticket_id),
                            "event": ("event", lambda: Event.id == Attendee.event_id)}),
    "feedback": Filterable({"id": Feedback.id, "rating": Feedback.rating,
                            "comment": Feedback.comment, "created-at": Feedback.created_at,
                            "updated-at": Feedback.updated_at},
                           {"event": ("event", lambda: Event.id == Feedback.event_id)}),
}


def _bad(parameter: str, detail: str) -> ApiError:
    return ApiError(400, f"invalid_{parameter}", detail, parameter=parameter)


def _value(column: InstrumentedAttribute, value: Any, path: str) -> Any:
    """`value` as the column's type, or 400: a value the database would refuse must not
    reach it (that would be a DataError, not the client's clear answer)."""
    kind = column.type.python_type
    try:
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool) \
                and -MAX_INT <= value <= MAX_INT:
            return value
        # a JSON number, or its decimal digits as text (Open Event's frontend sends
        # "25.50"): not whatever Decimal() reads ("1e5", "NaN", "1_000", " 4")
        if kind in (Decimal, float) and (isinstance(value, int | float) and not isinstance(
                value, bool) or isinstance(value, str) and len(value) <= MAX_TEXT
                and NUMBER_TEXT.fullmatch(value)):
            return Decimal(str(value))
        if kind is str and isinstance(value, str) and len(value) <= MAX_TEXT:
            return value  # (NUL never gets here: api/text_input.py refuses it)
        if kind is datetime and isinstance(value, str):  # ISO 8601; no zone means UTC
            at = datetime.fromisoformat(value)
            return at.replace(tzinfo=UTC) if at.tzinfo is None else at
    except (ValueError, InvalidOperation):
        pass
    raise _bad("filter", f"{path}/val: {value!r} is not a {kind.__name__} value")


def _condition(type_: str, node: Any, path: str, depth: int, budget: list[int]
               ) -> ColumnElement:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _bad("filter", f"{path}: at most {MAX_CONDITIONS} conditions, nested at most "
                    f"{MAX_DEPTH} deep")
    if not isinstance(node, dict):
        raise _bad("filter", f"{path}: a condition is an object")
    for joiner, combine in (("or", or_), ("and", and_)):
        if joiner in node:
            parts = node[joiner]
            if not isinstance(parts, list) or not parts or len(node) != 1:
                raise _bad("filter", f"{path}/{joiner}: a non-empty list, alone in its object")
            return combine(*(_condition(type_, p, f"{path}/{joiner}/{i}", depth + 1, budget)
                             for i, p in enumerate(parts)))
    name, op, val = node.get("name"), node.get("op"), node.get("val")
    if not isinstance(name, str) or not isinstance(op, str):  # a list is no key (a 500)
        raise _bad("filter", f"{path}: name and op are strings")
    if set(node) - {"name", "op", "val"}:
        raise _bad("filter", f"{path}: a condition has name, op and val, nothing else")
    spec = FILTERABLE[type_]
    if op == "has":
        if name not in spec.relationships:
            raise _bad("filter", f"{path}/name: {type_} has no relationship {name!r} to "
                       f"filter on (one of {', '.join(sorted(spec.relationships))})")
        target, joined = spec.relationships[name]
        inner = _condition(target, val, f"{path}/val", depth + 1, budget)
        entity = FILTERABLE[target].fields["id"].class_
        return select(entity.id).where(joined(), inner).exists()
    if name not in spec.fields:
        raise _bad("filter", f"{path}/name: {type_} has no field {name!r} to filter on "
                   f"(one of {', '.join(sorted(spec.fields))})")
    if op not in COMPARISONS:
        raise _bad("filter", f"{path}/op: {op!r} is not one of "
                   f"{', '.join([*COMPARISONS, 'has'])}")
    column = spec.fields[name]
    if op in ("like", "ilike") and column.type.python_type is not str:
        raise _bad("filter", f"{path}/op: {op} compares text, {name} is not text")
    if op in ("ge", "le", "gt", "lt") and column.type.python_type is bool:  # was a 500
        raise _bad("filter", f"{path}/op: {op} orders values, {name} is true or false")
    if op == "in":
        if not isinstance(val, list) or not 1 <= len(val) <= MAX_LISTED:
            raise _bad("filter", f"{path}/val: in takes a list of 1 to {MAX_LISTED} values")
        return column.in_([_value(column, v, f"{path}/val/{i}") for i, v in enumerate(val)])
    if val is None and op in ("eq", "ne"):
        return column.is_(None) if op == "eq" else column.is_not(None)
    return COMPARISONS[op](column, _value(column, val, path))


def compile_filter(type_: str, raw: str) -> ColumnElement:
    """The SQL condition `filter=<raw>` means for a list of `type_`, or 400."""
    nodes = parse_json(raw, code="invalid_filter", what="filter", parameter="filter")
    if isinstance(nodes, dict):
        nodes = [nodes]
    if not isinstance(nodes, list):
        raise _bad("filter", "filter is a JSON list of conditions")
    if len(nodes) > MAX_LISTED:
        raise _bad("filter", f"filter lists at most {MAX_LISTED} conditions (group more "
                   "with and/or)")
    budget = [MAX_CONDITIONS]
    return and_(true(), *(_condition(type_, n, f"/{i}", 1, budget)
                          for i, n in enumerate(nodes)))


def compile_sort(type_: str, raw: str) -> list[ColumnElement]:
    """The ORDER BY `sort=<raw>` means (`-name` descending), or 400."""
    out = []
    for part in raw.split(","):
        name = part.removeprefix("-")
        column = FILTERABLE[type_].fields.get(name)
        if column is None:
            raise _bad("sort", f"{type_} cannot be sorted by {name!r} (one of "
                       f"{', '.join(sorted(FILTERABLE[type_].fields))})")
        out.append(column.desc() if part.startswith("-") else column.asc())
    return out


def list_query(type_: str) -> Refine | None:
    """The request's `filter=` and `sort=` for a list of `type_`, as a `Refine` for the
    service's statement (None without either)."""
    raw_filter, raw_sort = request.args.get("filter"), request.args.get("sort")
    if not raw_filter and not raw_sort:
        return None
    where = compile_filter(type_, raw_filter) if raw_filter else None
    order = compile_sort(type_, raw_sort) if raw_sort else []

    def refine(stmt: Select) -> Select:
        if where is not None:
            stmt = stmt.where(where)
        return stmt.order_by(*order)

    return refine
