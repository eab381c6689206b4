"""Consumers decode payloads with the contract class that encoded them (`from_data`),
so a field renamed or retyped on one side fails here, not as a wrong total downstream."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from bus.consume import Delivery, Permanent
from consumers.ratings import update_average_rating
from contracts.envelope import ContractError, _field_types
from contracts.ratings import RatingChanged
from contracts.registry import REGISTRY


def sample(cls):
    """An instance of `cls` with a value of each field's first declared type."""
    values = {}
    for f, kinds in _field_types(cls):
        kind = kinds[0]
        hint = typing.get_type_hints(cls)[f.name]
        literal = [a for part in (typing.get_args(hint) or (hint,))
                   if typing.get_origin(part) is typing.Literal for a in typing.get_args(part)]
        values[f.name] = literal[0] if literal else {
            int: 7, str: "x", bool: True, list: [], dict: {}, float: 1.5,
            type(None): None, object: "x"}[kind]
    return cls(**values)


@pytest.mark.parametrize("routing_key", sorted(REGISTRY))
def test_every_contract_decodes_what_it_encodes(routing_key):
    cls = REGISTRY[routing_key]
    event = sample(cls)
    assert cls.from_data(event.data()) == event


@pytest.mark.parametrize("routing_key", sorted(REGISTRY))
def test_a_renamed_required_field_fails_to_decode(routing_key):
    cls = REGISTRY[routing_key]
    required = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    data = sample(cls).data()
    data[required[0] + "_renamed"] = data.pop(required[0])
    with pytest.raises(ContractError, match=required[0]):
        cls.from_data(data)


@pytest.mark.parametrize("value", ["5", 5.0, True, None, [5]])
def test_an_int_field_of_another_type_fails(value):
    data = sample(RatingChanged).data() | {"event_id": value}
    with pytest.raises(ContractError, match="event_id"):
        RatingChanged.from_data(data)


def test_unknown_keys_are_ignored_so_a_producer_may_add_fields_first():
    event = sample(RatingChanged)
    assert RatingChanged.from_data(event.data() | {"added_later": 1}) == event


def delivery(routing_key: str, data, type_: str | None = None) -> Delivery:
    return Delivery(message_id="m-1", routing_key=routing_key,
                    type=type_ or f"venuebus.{routing_key}", data=data, envelope={},
                    headers={}, attempt=1, redelivered=False)


def test_a_consumer_dead_letters_a_payload_its_contract_cannot_decode():
    data = RatingChanged(1, 2, 3, "created", 5, None, "2026-12-07T00:00:00Z").data()
    data["event"] = data.pop("event_id")  # a producer renamed the field
    with pytest.raises(Permanent, match="event_id"):
        update_average_rating(None, [delivery("rating.changed", data)])


def test_int_field_reads_the_decoded_event_and_refuses_an_unknown_type():
    data = sample(REGISTRY["badge.requested"]).data() | {"badge_id": 4}
    assert delivery("badge.requested", data).int_field("badge_id") == 4
    with pytest.raises(Permanent, match="badge_id"):
        delivery("badge.requested", data | {"badge_id": "4"}).int_field("badge_id")
    with pytest.raises(Permanent, match="no contract"):
        delivery("badge.requested", data, type_="venuebus.nothing").int_field("badge_id")
