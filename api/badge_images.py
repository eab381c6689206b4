"""/v1/badge-images: upload a background or logo (multipart `file`, optional `focus-x`,
`focus-y` from 0 to 1). The image is re-encoded; the answer describes what was kept."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from marshmallow import fields

from api import deps
from api.auth import login_required, require_user
from api.errors import ApiError
from api.jsonapi import ResourceSchema, document, resource
from api.openapi import doc
from models.badges import images
from models.badges.tables import BadgeImage
from printing.images import MAX_BYTES, MAX_SIDE

bp = Blueprint("badge_images", __name__)
UPLOAD = ("multipart/form-data", {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "focus-x": {"type": "number", "minimum": 0, "maximum": 1},
                   "focus-y": {"type": "number", "minimum": 0, "maximum": 1}}})


class BadgeImageSchema(ResourceSchema):
    media_type = fields.String(dump_only=True)
    width = fields.Integer(dump_only=True)
    height = fields.Integer(dump_only=True)
    size_bytes = fields.Integer(dump_only=True)
    focus_x = fields.Float(dump_only=True)
    focus_y = fields.Float(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


def image_resource(image: BadgeImage) -> dict:
    return resource("badge-image", image.id, BadgeImageSchema.one().dump(image),
                    relationships={"owner": ("user", image.owner_id)},
                    self_link=url_for("badge_images.get_badge_image", image_id=image.id))


@bp.post("/v1/badge-images")
@login_required
@doc("Upload a badge image (PNG, JPEG or WebP, 5 MB, 6000 px a side), re-encoded",
     type_="badge-image", response=BadgeImageSchema, status=201, raw_body=UPLOAD,
     errors=(400, 401, 413, 422),
     rules="What the file holds, which JSON Schema cannot state (422, pointer /file): a "
     f"PNG, JPEG or WebP image that decodes (`not_an_image`), at most {MAX_SIDE} px a side "
     "(`image_too_large`).")
def upload_badge_image():
    # Room for a 5 MB file plus the multipart envelope; everything else keeps the app limit.
    request.max_content_length = MAX_BYTES + 64 * 1024
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, "missing_file", "Send the image as the multipart field `file`",
                       pointer="/file")
    data = upload.stream.read(MAX_BYTES + 1)
    image = images.upload_badge_image(deps.db(), require_user(), data,
                                      focus_x=request.form.get("focus-x"),
                                      focus_y=request.form.get("focus-y"))
    body = image_resource(image)
    return document(body, status=201, headers={"Location": body["links"]["self"]})


@bp.get("/v1/badge-images/<int:image_id>")
@login_required
@doc("A badge image's description (its owner)", type_="badge-image",
     response=BadgeImageSchema, errors=(401, 404))
def get_badge_image(image_id: int):
    return document(image_resource(images.get_badge_image(deps.db(), require_user(),
                                                          image_id)))
