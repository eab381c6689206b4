"""/v1/speakers: register a device, see its last reported state, command it.

Commands are recorded in the outbox (never sent from the request) and answered 202 with
the command id; the device drops them after their expiry and never replays one id.
"""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    parse_resource,
    resource,
)
from api.openapi import doc
from api.speaker_bodies import COMMAND_BODIES
from api.speaker_queue import command_body, play_queue
from api.text_input import NOT_BLANK_PATTERN
from contracts.speakers import COMMAND_CLASSES
from models.core.base import utcnow
from models.speakers import service as speakers
from models.speakers.identity import device_amqp_url
from models.speakers.tables import Speaker

bp = Blueprint("speakers", __name__)


class SpeakerSchema(ResourceSchema):
    # stripped, then 1 to 100 characters (models/speakers/service.py register_speaker)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"pattern": NOT_BLANK_PATTERN})
    online = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True)
    # null until the device has been seen and has reported that part of its state
    last_seen_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    title = fields.String(dump_only=True, allow_none=True)
    query = fields.String(dump_only=True, allow_none=True)
    source_url = fields.String(dump_only=True, allow_none=True)
    # extrapolated to `position-at` (now) while playing: readers move it on themselves
    position_ms = fields.Integer(dump_only=True, allow_none=True)
    position_at = fields.AwareDateTime(dump_only=True)
    artist = fields.String(dump_only=True, allow_none=True)
    thumbnail_url = fields.String(dump_only=True, allow_none=True)
    queue_item_id = fields.Integer(dump_only=True, allow_none=True)
    duration_ms = fields.Integer(dump_only=True, allow_none=True)
    volume = fields.Integer(dump_only=True, allow_none=True)
    error = fields.String(dump_only=True, allow_none=True)
    state_reported_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class SpeakerCommandSchema(ResourceSchema):
    command = fields.String(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)


def speaker_resource(speaker: Speaker, token: str | None = None) -> dict:
    state = speaker.state or {}
    now = utcnow()
    attrs = SpeakerSchema.one().dump({
        "position_ms": speakers.position_at(speaker, now), "position_at": now,
        "name": speaker.name, "online": speakers.is_online(speaker),
        "last_seen_at": speaker.last_seen_at, "created_at": speaker.created_at,
        "state_reported_at": speaker.state_reported_at,
        **{k: state.get(k) for k in ("status", "title", "query", "source_url", "duration_ms",
                                     "volume", "error", "artist", "thumbnail_url",
                                     "queue_item_id")}})
    attrs["status"] = attrs.get("status") or "unknown"
    if token is not None:  # shown once: only hashes of the token are stored
        attrs["device-token"] = token
        attrs["amqp-url"] = device_amqp_url(deps.config(), speaker.id, token)
    return resource("speaker", speaker.id, attrs, relationships={"owner": ("user",
                                                                           speaker.owner_id)},
                    self_link=url_for("speakers.get_speaker", speaker_id=speaker.id))


@bp.post("/v1/speakers")
@login_required
@doc("Register a speaker (the device token and its broker URL are in this answer only)",
     type_="speaker",
     body=SpeakerSchema, response=SpeakerSchema, status=201,
     errors=(400, 401, 403, 409, 422))
def create_speaker():
    attrs, _ = parse_resource("speaker")
    values = load_attributes(SpeakerSchema.one(), attrs)
    speaker, token = speakers.register_speaker(deps.db(), require_user(), values["name"])
    return document(speaker_resource(speaker, token), status=201)


@bp.get("/v1/speakers/<int:speaker_id>")
@login_required
@doc("A speaker and its last reported state (owner)", type_="speaker",
     response=SpeakerSchema, errors=(401, 403, 404))
def get_speaker(speaker_id: int):
    return document(speaker_resource(speakers.view_speaker(deps.db(), require_user(),
                                                           speaker_id)))


@bp.post("/v1/speakers/<int:speaker_id>/token")
@login_required
@doc("A new device token and broker URL (this answer only); the old ones stop working and "
     "the device's open broker connections are closed", type_="speaker",
     response=SpeakerSchema, errors=(401, 403, 404))
def rotate_token(speaker_id: int):
    speaker, token = speakers.rotate_speaker_token(deps.db(), require_user(), speaker_id)
    return document(speaker_resource(speaker, token))


@bp.delete("/v1/speakers/<int:speaker_id>")
@login_required
@doc("Delete a speaker (owner): its broker user goes and its connections are closed",
     status=204, errors=(401, 403, 404))
def delete_speaker(speaker_id: int):
    speakers.delete_speaker(deps.db(), require_user(), speaker_id)
    return Response(status=204)


def _issue(speaker_id: int, command: str):
    body = command_body("speaker-command")
    if command == "play" and body.get("query") is None:
        return play_queue(speaker_id)
    issued = speakers.command_speaker(deps.db(), require_user(), speaker_id, command,
                                      query=body.get("query"), level=body.get("level"),
                                      position_ms=body.get("position-ms"))
    data = resource("speaker-command", issued.command_id, SpeakerCommandSchema.one().dump(
        {"command": command, "expires_at": issued.expires_at}),
        relationships={"speaker": ("speaker", speaker_id)})
    return document(data, status=202)


def _command_view(command: str):
    def view(speaker_id: int):
        return _issue(speaker_id, command)

    view.__name__ = f"{command}_speaker"
    view = doc(f"Send `{command}` to the speaker (202 with the command id)",
               type_="speaker-command", body=COMMAND_BODIES.get(command),
               response=SpeakerCommandSchema, status=202,
               errors=(400, 401, 403, 404, 422))(login_required(view))
    bp.add_url_rule(f"/v1/speakers/<int:speaker_id>/{command}", view_func=view,
                    methods=["POST"])


for _command in COMMAND_CLASSES:
    _command_view(_command)
