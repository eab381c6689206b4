"""The AsyncAPI document in docs/ is the one the wire contracts generate, and it covers
every registered event with exactly its fields."""

from __future__ import annotations

import dataclasses

import pytest

from contracts.asyncapi import DOC_PATH, build, render
from contracts.registry import REGISTRY
from contracts.topology import QUEUES, matches, queue_name

DOC = build()


def test_committed_asyncapi_matches_the_contracts():
    assert DOC_PATH.read_text() == render(), (
        "docs/asyncapi.json is stale: run `venuebus asyncapi` and commit it")


def test_there_is_a_channel_for_each_registered_event_and_no_other():
    assert len(REGISTRY) >= 14
    assert set(DOC["channels"]) == set(REGISTRY)


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_each_channel_carries_exactly_its_events_fields_and_type(key):
    cls = REGISTRY[key]
    message = DOC["channels"][key]["subscribe"]["message"]
    payload = message["payload"]["properties"]
    data = payload["data"]
    names = [f.name for f in dataclasses.fields(cls)]
    assert message["name"] == cls.__name__
    assert payload["type"] == {"const": cls.event_type()}
    assert list(data["properties"]) == names
    assert data["required"] == names
    assert all("type" in schema for schema in data["properties"].values())


@pytest.mark.parametrize("key", sorted(REGISTRY))
def test_each_channel_names_the_queues_bound_to_it(key):
    description = DOC["channels"][key]["description"]
    bound = [c for c, keys in QUEUES.items() if any(matches(k, key) for k in keys)]
    for consumer in bound:
        assert queue_name(consumer) in description
    if key.startswith("speaker.*.") and not bound:  # a command: a device's own queue
        assert "venuebus.speaker.<speaker_id>" in description
    elif not bound:
        assert description.endswith("no queue yet")


def test_nullable_fields_say_so():
    data = DOC["channels"]["rating.changed"]["subscribe"]["message"]["payload"][
        "properties"]["data"]
    assert data["properties"]["rating"] == {"type": "integer", "nullable": True}
    assert data["properties"]["event_id"] == {"type": "integer"}


def test_topic_patterns_match_like_amqp():
    assert matches("speaker.*.state", "speaker.7.state")
    assert not matches("speaker.*.state", "speaker.7.play")
    assert not matches("speaker.*", "speaker.7.play")
    assert matches("order.#", "order.placed") and matches("#", "a.b.c")
    assert matches("order.#", "order") and not matches("order.*", "order")
