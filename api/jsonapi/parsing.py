"""Request documents in: the body, a resource's attributes and relationships."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema, ValidationError, fields

from api.errors import JSONAPI, ApiError
from api.jsonapi.dump import dasherize
from api.limits import bounded_id, parse_json

ACCEPTED_TYPES = (JSONAPI, "application/json")


def request_json() -> Any:
    """The request body as JSON, or 400/415 (see `parse_json`). Plain application/json is
    accepted too."""
    mimetype = request.mimetype or ""
    if request.content_length == 0 or not request.get_data(cache=True):
        raise ApiError(400, "empty_body", "The request has no body")
    if mimetype and mimetype not in ACCEPTED_TYPES and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"Send {JSONAPI} (or application/json), not {mimetype}")
    return parse_json(request.get_data(cache=True))


def parse_resource(expected_type: str, *, resource_id: str | int | None = None
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Attributes (dasherized keys; snake_case input normalised) and relationships of a
    JSON:API resource document. 400 if it is not one; 409 on a `type` (or `id`) that does
    not match the endpoint."""
    doc = request_json()
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, dict):
        raise ApiError(400, "not_jsonapi", "The body must be a JSON:API document with a "
                       "`data` object", pointer="/data")
    if data.get("type") != expected_type:
        raise ApiError(409, "type_mismatch", f"Resource type must be '{expected_type}', "
                       f"got {data.get('type')!r}", pointer="/data/type")
    if "id" in data and not isinstance(data["id"], str):  # JSON:API: an id is a string
        raise ApiError(400, "not_jsonapi", "id must be a string", pointer="/data/id")
    if resource_id is not None and "id" in data and str(data["id"]) != str(resource_id):
        raise ApiError(409, "id_mismatch", "Resource id does not match the URL",
                       pointer="/data/id")
    attributes = data.get("attributes", {})
    relationships = data.get("relationships", {})
    if not isinstance(attributes, dict):
        raise ApiError(400, "not_jsonapi", "attributes must be an object",
                       pointer="/data/attributes")
    if not isinstance(relationships, dict):
        raise ApiError(400, "not_jsonapi", "relationships must be an object",
                       pointer="/data/relationships")
    for member in ("links", "meta"):  # ignored, but only when they are what they say
        if member in data and not isinstance(data[member], dict):
            raise ApiError(400, "not_jsonapi", f"{member} must be an object",
                           pointer=f"/data/{member}")
    return ({dasherize(k): v for k, v in attributes.items()},
            {dasherize(k): v for k, v in relationships.items()})


def load_attributes(schema: Schema, attributes: dict[str, Any], *,
                    partial: bool = False) -> dict[str, Any]:
    """Validated attributes (snake_case keys). A bad value is a 422 with its pointer.
    A partial load (PATCH) returns only the members the client sent: `load_default`s
    belong to creation and must never overwrite a stored value."""
    _strict_values(schema, attributes)
    values = schema.load(attributes, partial=partial)
    if partial:
        sent = {name for name, f in schema.load_fields.items()
                if (f.data_key or name) in attributes}
        values = {k: v for k, v in values.items() if k in sent}
    return values


def _strict_values(schema: Schema, attributes: dict[str, Any]) -> None:
    """What marshmallow would coerce and the document (`type: boolean`, `type: integer`)
    forbids, refused: a boolean attribute is JSON's true or false (or, as ever, the
    strings "true" and "false"), never 0, 1, "yes" or "on"; an integer has no fraction
    (marshmallow cut 2.5 to 2 and 1e-05 to 0), in a list of integers as well. Integers
    written as strings ("25") stay accepted: Open Event's clients send them."""
    bad = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key not in attributes:
            continue
        value = attributes[key]
        if isinstance(field, fields.Boolean) and not isinstance(value, bool) and \
                value not in ("true", "false") and not (value is None and field.allow_none):
            bad[key] = ["Not a valid boolean."]
        elif isinstance(field, fields.Integer) and _fraction(value):
            bad[key] = ["Not a valid integer."]
        elif isinstance(field, fields.List) and isinstance(field.inner, fields.Integer) \
                and isinstance(value, list) and any(_fraction(v) for v in value):
            bad[key] = ["Not a valid integer."]
    if bad:
        raise ValidationError(bad)


def _fraction(value: Any) -> bool:
    """A JSON number with a fractional part (2.0 is an integer, as JSON Schema says)."""
    return isinstance(value, float) and not value.is_integer()


def relationship_id(relationships: dict[str, Any], name: str, expected_type: str, *,
                    required: bool = True) -> int | None:
    """The integer id of a to-one relationship, or 422 pointing at it. An optional one
    may be left out; sent, it is `{"data": {"type", "id"}}` as the document says, never
    null (which would have read as left out)."""
    pointer = f"/data/relationships/{name}"
    rel = relationships.get(name)
    if name not in relationships:
        if required:
            raise ApiError(422, "missing_relationship", f"The relationship {name} is required",
                           pointer=pointer)
        return None
    data = rel.get("data") if isinstance(rel, dict) else None
    if not isinstance(data, dict) or data.get("type") != expected_type:
        raise ApiError(422, "invalid_relationship",
                       f"{name} must be {{'data': {{'type': '{expected_type}', 'id': ...}}}}",
                       pointer=pointer)
    return bounded_id(data.get("id"), f"{pointer}/data/id", "invalid_relationship",
                      f"{name} id")
