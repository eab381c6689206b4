"""ResourceSchema.dump renders a dict of values by its own plan (api/jsonapi/dump.py): for
every resource schema of the API and every kind of value its fields take, the answer is
marshmallow's, missing members, None and odd types included."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

import api.app  # noqa: F401 - registers every schema
from api.jsonapi import ResourceSchema

AT = datetime(2027, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
SAMPLES = {
    fields.String: ["Ada", "", 12, b"bytes", "ünï"],
    fields.Email: ["ada@example.com", "", b"b@example.com"],
    fields.Integer: [7, "8", Decimal("3"), 0, 2**31 - 1],
    fields.Float: [2.5, Decimal("25.00"), 3, "4.5", 0],
    fields.Boolean: [True, False, 1, 0, "true"],
    fields.AwareDateTime: [AT, AT.astimezone(timezone(timedelta(hours=8))),
                           datetime(2027, 1, 1, 9)],
    fields.Raw: [{"a": 1}, [1, 2], "x", 5],
    fields.Dict: [{"state": "sent", "at": "2027-03-04T05:06:07+00:00"}, {}, {"error": None}],
    fields.List: [[{"id": "1", "quantity": 2}], [], [{"a": None}]],  # of Raw, Dict
}


def _schemas() -> list[type[ResourceSchema]]:
    out, todo = [], [ResourceSchema]
    while todo:
        for sub in todo.pop().__subclasses__():
            out.append(sub)
            todo.append(sub)
    return out


def _marshmallow(schema: Schema, values: dict) -> dict:
    return Schema.dump(schema, values)


def _values(schema: Schema, i: int) -> dict:
    values = {}
    for name, field in schema.dump_fields.items():
        samples = SAMPLES.get(type(field))
        inner = SAMPLES.get(type(getattr(field, "inner", None)))
        if isinstance(field, fields.List) and inner and type(field.inner) is not fields.Raw:
            samples = [inner[:2], [], inner[2:]]  # a list of its inner field's samples
        assert samples is not None, f"{type(schema).__name__}.{name}: add samples for " \
                                    f"{type(field).__name__}"
        values[field.attribute or name] = [*samples, None][i % (len(samples) + 1)]
    return values


@pytest.mark.parametrize("schema_class", _schemas(), ids=lambda c: c.__name__)
def test_every_schema_dumps_as_marshmallow_does(schema_class):
    schema = schema_class()
    rng = random.Random(schema_class.__name__)
    for i in range(12):
        values = _values(schema, i + rng.randrange(5))
        assert schema.dump(values) == _marshmallow(schema, values)
        some = {k: v for k, v in values.items() if rng.random() < 0.5}  # members missing
        assert schema.dump(some) == _marshmallow(schema, some)
    assert schema.dump({}) == {}


def test_only_many_and_objects_take_marshmallows_path_or_its_answer():
    class Thing:
        name, count = "box", 3

    schema = ResourceSchema.from_dict({"name": fields.String(), "count": fields.Integer(),
                                       "at": fields.AwareDateTime()})()
    assert schema.dump(Thing()) == {"name": "box", "count": 3}
    many = [{"name": "a", "count": "1", "at": AT}, {"name": None}]
    assert schema.dump(many, many=True) == Schema.dump(schema, many, many=True)
    narrow = type(schema)(only=("count",))
    assert narrow.dump({"name": "a", "count": 2}) == {"count": 2}


def test_dump_hooks_and_defaults_are_left_to_marshmallow():
    class Hooked(ResourceSchema):
        name = fields.String()
        kind = fields.String(dump_default="thing")

        @post_dump
        def shout(self, data, **_):
            return {k: v.upper() if isinstance(v, str) else v for k, v in data.items()}

    assert Hooked().dump({"name": "ada"}) == {"name": "ADA", "kind": "THING"}
