"""The AsyncAPI document in docs/ is the one the contracts generate."""

from __future__ import annotations

from producers.asyncapi import DOC_PATH, _matches, build, render


def test_committed_asyncapi_matches_the_contracts():
    assert DOC_PATH.read_text() == render(), (
        "docs/asyncapi.json is stale: run `venuebus asyncapi` and commit it")


def test_every_registered_event_has_a_channel_with_its_fields():
    channel = build()["channels"]["rating.changed"]
    data = channel["subscribe"]["message"]["payload"]["properties"]["data"]
    assert {"event_id", "feedback_id", "change", "rating"} <= set(data["properties"])
    assert data["properties"]["rating"] == {"type": "integer", "nullable": True}
    assert "venuebus.ratings" in channel["description"]


def test_topic_patterns_match_like_amqp():
    assert _matches("speaker.*.state", "speaker.7.state")
    assert not _matches("speaker.*.state", "speaker.7.play")
    assert _matches("order.#", "order.placed") and _matches("#", "a.b.c")
