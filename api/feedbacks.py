"""/v1/feedbacks: one rating (0-5) per user and event; changes emit `rating.changed`."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from marshmallow import fields, validate

from api import deps
from api.auth import login_required, require_user
from api.jsonapi import (
    ResourceSchema,
    document,
    load_attributes,
    page_args,
    page_document,
    parse_resource,
    relationship_id,
    resource,
    resource_type,
)
from api.limits import event_filter
from api.list_query import list_query
from api.openapi import doc
from models.catalog import events as catalog
from models.catalog import feedback
from models.catalog.tables import Feedback

bp = Blueprint("feedbacks", __name__)


class FeedbackSchema(ResourceSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=0, max=5))
    comment = fields.String(allow_none=True, validate=validate.Length(max=5000))
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


def feedback_resource(fb: Feedback) -> dict:
    return resource("feedback", fb.id, FeedbackSchema.one().dump(fb),
                    relationships={"event": ("event", fb.event_id), "user": ("user", fb.user_id)},
                    self_link=url_for("feedbacks.get_feedback", feedback_id=fb.id))


resource_type("feedback", {"event": "event", "user": "user"})


@bp.post("/v1/feedbacks")
@login_required
@doc("Rate an event (once per user)", type_="feedback", body=FeedbackSchema,
     response=FeedbackSchema, status=201, errors=(400, 401, 404, 409, 422),
     relationships={"event": ("event", True)})
def create_feedback():
    attrs, rels = parse_resource("feedback")
    values = load_attributes(FeedbackSchema.one(), attrs)
    event_id = relationship_id(rels, "event", "event")
    fb = feedback.create_feedback(deps.db(), require_user(), event_id, values["rating"],
                                  values.get("comment"))
    return document(feedback_resource(fb), status=201)


@bp.get("/v1/feedbacks")
@doc("List feedbacks (filter[event]=<id>)", type_="feedback", response=FeedbackSchema,
     many=True)
def list_feedbacks():
    event_id = event_filter(required=False)
    page = feedback.list_feedbacks(deps.db(), event_id, *page_args(),
                                   refine=list_query("feedback"))
    return page_document(page, [feedback_resource(f) for f in page.items], type_="feedback")


@bp.get("/v1/events/<int:event_id>/feedbacks")
@doc("An event's feedbacks", type_="feedback", response=FeedbackSchema, many=True,
     errors=(400, 404), list_of="feedback")
def list_event_feedbacks(event_id: int):
    catalog.get_event(deps.db(), event_id)  # 404 for an event that does not exist
    page = feedback.list_feedbacks(deps.db(), event_id, *page_args(),
                                   refine=list_query("feedback"))
    return page_document(page, [feedback_resource(f) for f in page.items], type_="feedback")


@bp.get("/v1/feedbacks/<int:feedback_id>")
@doc("A feedback", type_="feedback", response=FeedbackSchema, errors=(404,))
def get_feedback(feedback_id: int):
    return document(feedback_resource(feedback.get_feedback(deps.db(), feedback_id)))


@bp.patch("/v1/feedbacks/<int:feedback_id>")
@login_required
@doc("Change your feedback", type_="feedback", body=FeedbackSchema, response=FeedbackSchema,
     errors=(400, 401, 403, 404, 409, 422))
def update_feedback(feedback_id: int):
    attrs, _ = parse_resource("feedback", resource_id=feedback_id)
    values = load_attributes(FeedbackSchema.one(), attrs, partial=True)
    fb = feedback.update_feedback(deps.db(), require_user(), feedback_id,
                                  values.get("rating"), values.get("comment"))
    return document(feedback_resource(fb))


@bp.delete("/v1/feedbacks/<int:feedback_id>")
@login_required
@doc("Delete your feedback", status=204, errors=(401, 403, 404))
def delete_feedback(feedback_id: int):
    feedback.delete_feedback(deps.db(), require_user(), feedback_id)
    return Response(status=204)
