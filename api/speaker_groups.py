"""/v1/speaker-groups: speakers that play together, and their commands (the bodies of a
speaker's). A command to a group reaches every member through the broker; a play or
resume carries a start time a little ahead so they start together."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import ResourceSchema, document, load_attributes, parse_resource, resource
from api.openapi import doc
from api.speaker_bodies import COMMAND_BODIES, MEMBERS, SPEAKER_ID
from api.speaker_group_queue import play_group_queue
from api.speaker_queue import command_body
from api.speakers import SpeakerCommandSchema
from api.text_input import NOT_BLANK_PATTERN
from contracts.speakers import COMMAND_CLASSES
from models.speakers import groups
from models.speakers.groups import GroupView

bp = Blueprint("speaker_groups", __name__)


class SpeakerGroupSchema(ResourceSchema):
    # stripped, then 1 to 100 characters (models/speakers/groups.py)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"pattern": NOT_BLANK_PATTERN})
    speakers = fields.List(fields.Raw(metadata=SPEAKER_ID), required=True,
                           metadata=MEMBERS)
    created_at = fields.AwareDateTime(dump_only=True)


def group_resource(view: GroupView) -> dict:
    g = view.group
    attrs = SpeakerGroupSchema.one().dump({"name": g.name, "created_at": g.created_at,
                                           "speakers": [str(i) for i in view.speaker_ids]})
    return resource("speaker-group", g.id, attrs, relationships={
        "owner": ("user", g.owner_id), "members": ("speaker", view.speaker_ids)},
        self_link=url_for("speaker_groups.get_group", group_id=g.id))


@bp.post("/v1/speaker-groups")
@login_required
@doc("Group the owner's speakers (a speaker is in at most one group)",
     type_="speaker-group", body=SpeakerGroupSchema, response=SpeakerGroupSchema, status=201,
     errors=(400, 401, 404, 409, 422))
def create_group():
    attrs, _ = parse_resource("speaker-group")
    values = load_attributes(SpeakerGroupSchema.one(), attrs)
    view = groups.create_speaker_group(deps.db(), require_user(), values["name"],
                                       values["speakers"])
    return document(group_resource(view), status=201)


@bp.get("/v1/speaker-groups")
@login_required
@doc("The owner's speaker groups", type_="speaker-group", response=SpeakerGroupSchema,
     many=True, errors=(401,))
def list_groups():
    return document([group_resource(v) for v in groups.list_speaker_groups(
        deps.db(), require_user())], type_="speaker-group")


@bp.get("/v1/speaker-groups/<int:group_id>")
@login_required
@doc("A speaker group (owner)", type_="speaker-group", response=SpeakerGroupSchema,
     errors=(401, 404))
def get_group(group_id: int):
    return document(group_resource(groups.view_speaker_group(deps.db(), require_user(),
                                                             group_id)))


@bp.delete("/v1/speaker-groups/<int:group_id>")
@login_required
@doc("Delete a speaker group: its members play on their own again", status=204,
     errors=(401, 404))
def delete_group(group_id: int):
    groups.delete_speaker_group(deps.db(), require_user(), group_id)
    return Response(status=204)


def _group_command_view(command: str):
    def view(group_id: int):
        body = command_body("speaker-command")
        if command == "play" and body.get("query") is None:
            return play_group_queue(group_id)
        issued = groups.command_speaker_group(
            deps.db(), require_user(), group_id, command, query=body.get("query"),
            level=body.get("level"), position_ms=body.get("position-ms"))
        data = resource("speaker-command", issued.command_id, SpeakerCommandSchema.one().dump(
            {"command": command, "expires_at": issued.expires_at}),
            relationships={"speaker-group": ("speaker-group", group_id)})
        return document(data, status=202)

    view.__name__ = f"{command}_group"
    bp.add_url_rule(f"/v1/speaker-groups/<int:group_id>/{command}", methods=["POST"],
                    view_func=doc(f"Send `{command}` to every speaker of the group (202)",
                                  type_="speaker-command",
                                  body=COMMAND_BODIES.get(command),
                                  response=SpeakerCommandSchema, status=202,
                                  errors=(400, 401, 404, 422))(login_required(view)))


for _command in COMMAND_CLASSES:
    _group_command_view(_command)
