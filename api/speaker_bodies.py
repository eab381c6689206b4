"""What the speaker and speaker-group operations take in their bodies, as the OpenAPI
document states it: each command and each queue change its own body, with the bounds
the models enforce (their constants, imported: a bound has one home). The views read
the members themselves (api/speaker_queue.py command_body) and the models check them;
these schemas only say what is checked."""

from __future__ import annotations

from marshmallow import fields, validate

from api.jsonapi import ResourceSchema
from api.limits import MAX_INT
from api.text_input import NOT_BLANK_PATTERN
from contracts.speaker_queries import MAX_QUERY_LENGTH, REFUSED_ASTRAL, query_pattern
from contracts.speakers import MAX_LEVEL, MAX_POSITION_MS, REPEAT_MODES
from models.speakers.groups import ID_TEXT, MAX_MEMBERS
from models.speakers.guests import MODES
from models.speakers.queue import MAX_QUEUE_ITEMS

# A play query's schema depends on the deployment's media hosts: the document builds it
# from the app's config (`play_query_schema`) as this component, which bodies refer to.
PLAY_QUERY = "PlayQuery"
_PLAY_QUERY_REF = {"allOf": [{"$ref": f"#/components/schemas/{PLAY_QUERY}"}]}


def play_query_schema(media_hosts: tuple[str, ...]) -> dict:
    """A play query (contracts/speaker_queries.py classify_query): search words, a
    YouTube id or URL, or a URL on one of `media_hosts`."""
    return {"type": "string", "maxLength": MAX_QUERY_LENGTH,
            "pattern": query_pattern(media_hosts),
            "not": {"pattern": f"[{REFUSED_ASTRAL}]"},
            "description": "Search words (no `://`), a YouTube id or URL, or an http(s) "
                           f"URL on an allowed media host ({', '.join(media_hosts)}); at "
                           f"most {MAX_QUERY_LENGTH} characters, not only spaces, no "
                           "control or format character"}


class PlayBodySchema(ResourceSchema):
    """play: `query`; none (absent or null) plays the queue from its present song."""

    # nullable here, not through allow_none: apispec would make that an anyOf with an
    # untyped object, which a query never is
    query = fields.Raw(metadata={**_PLAY_QUERY_REF, "nullable": True})


class VolumeBodySchema(ResourceSchema):
    level = fields.Integer(required=True, validate=validate.Range(0, MAX_LEVEL))


class SeekBodySchema(ResourceSchema):
    position_ms = fields.Integer(required=True, validate=validate.Range(0, MAX_POSITION_MS))


COMMAND_BODIES: dict[str, type[ResourceSchema]] = {
    "play": PlayBodySchema, "volume": VolumeBodySchema, "seek": SeekBodySchema}

# a place in a queue: one past this queue's end is a 409 (position_past_end)
_POSITION = validate.Range(0, MAX_QUEUE_ITEMS - 1)


class QueueAddBodySchema(ResourceSchema):
    """`query`, appended, or inserted at `position`."""

    query = fields.Raw(required=True, metadata=_PLAY_QUERY_REF)
    position = fields.Integer(allow_none=True, validate=_POSITION)


class QueueMoveBodySchema(ResourceSchema):
    position = fields.Integer(required=True, validate=_POSITION)


class ShuffleBodySchema(ResourceSchema):
    on = fields.Boolean(required=True)


class RepeatBodySchema(ResourceSchema):
    mode = fields.String(required=True, validate=validate.OneOf(REPEAT_MODES))


class GuestModeBodySchema(ResourceSchema):
    mode = fields.String(required=True, validate=validate.OneOf(MODES))


class GuestBanBodySchema(ResourceSchema):
    """A query to ban: compared with requests without case and spacing, so any text."""

    query = fields.String(required=True, validate=validate.Length(1, MAX_QUERY_LENGTH),
                          metadata={"pattern": NOT_BLANK_PATTERN})


# a speaker id in a group's `speakers`: an integer or its digits (models/speakers/groups.py)
SPEAKER_ID = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_INT},
                        {"type": "string", "pattern": f"^{ID_TEXT}$"}]}
# stated only: the model checks the count (models/speakers/groups.py, 422 invalid_speakers)
MEMBERS = {"minItems": 1, "maxItems": MAX_MEMBERS}


# the bodies the views read with command_body, which takes the members alone as well
PLAIN_TOO = frozenset(s.__name__.removesuffix("Schema") for s in (
    PlayBodySchema, VolumeBodySchema, SeekBodySchema, QueueAddBodySchema,
    QueueMoveBodySchema, ShuffleBodySchema, RepeatBodySchema, GuestModeBodySchema,
    GuestBanBodySchema))


def with_plain_bodies(document: dict) -> dict:
    """Each operation whose body is one of PLAIN_TOO takes the JSON:API document or, with
    no `data` member, the attributes alone (`{"level": 40}`): the document says both."""
    for operation in (op for ops in document["paths"].values() for op in ops.values()):
        content = operation.get("requestBody", {}).get("content", {})
        for body in content.values():
            data = body["schema"].get("properties", {}).get("data", {})
            ref = data.get("properties", {}).get("attributes", {}).get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in PLAIN_TOO:
                members = document["components"]["schemas"][name]
                plain = {**members, "properties": {**members["properties"],
                                                   "data": {"not": {}}}}
                body["schema"] = {"anyOf": [body["schema"], plain]}
    return document
