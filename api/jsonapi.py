"""The thin JSON:API 1.0 envelope: parse documents in, render resources and lists out."""

from __future__ import annotations

import functools
from typing import Any, Self
from urllib.parse import urlencode

from flask import Response, json, request
from marshmallow import EXCLUDE, Schema

from api.errors import JSONAPI, ApiError
from models.core.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

ACCEPTED_TYPES = (JSONAPI, "application/json")


def dasherize(name: str) -> str:
    return name.replace("_", "-")


class ResourceSchema(Schema):
    """Attributes schema: members are dasherized (`starts-at`), unknown ones ignored."""

    class Meta:
        unknown = EXCLUDE

    @classmethod
    @functools.cache
    def one(cls) -> Self:
        """This schema's one instance in the process: building a schema copies all its
        fields (most of a dump's cost), and a schema keeps no state between calls."""
        return cls()

    def on_bind_field(self, field_name: str, field_obj) -> None:
        field_obj.data_key = dasherize(field_obj.data_key or field_name)


def request_json() -> Any:
    """The request body as JSON, or 400/415. Plain application/json is accepted too."""
    mimetype = request.mimetype or ""
    if request.content_length == 0 or not request.get_data(cache=True):
        raise ApiError(400, "empty_body", "The request has no body")
    if mimetype and mimetype not in ACCEPTED_TYPES and not mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"Send {JSONAPI} (or application/json), not {mimetype}")
    try:
        return json.loads(request.get_data(cache=True))
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {exc}") from exc


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
    return ({dasherize(k): v for k, v in attributes.items()},
            {dasherize(k): v for k, v in relationships.items()})


def load_attributes(schema: Schema, attributes: dict[str, Any], *,
                    partial: bool = False) -> dict[str, Any]:
    """Validated attributes (snake_case keys). A bad value is a 422 with its pointer.
    A partial load (PATCH) returns only the members the client sent: `load_default`s
    belong to creation and must never overwrite a stored value."""
    values = schema.load(attributes, partial=partial)
    if partial:
        sent = {name for name, f in schema.load_fields.items()
                if (f.data_key or name) in attributes}
        values = {k: v for k, v in values.items() if k in sent}
    return values


def relationship_id(relationships: dict[str, Any], name: str, expected_type: str, *,
                    required: bool = True) -> int | None:
    """The integer id of a to-one relationship, or 422 pointing at it."""
    pointer = f"/data/relationships/{name}"
    rel = relationships.get(name)
    if rel is None:
        if required:
            raise ApiError(422, "missing_relationship", f"The relationship {name} is required",
                           pointer=pointer)
        return None
    data = rel.get("data") if isinstance(rel, dict) else None
    if not isinstance(data, dict) or data.get("type") != expected_type:
        raise ApiError(422, "invalid_relationship",
                       f"{name} must be {{'data': {{'type': '{expected_type}', 'id': ...}}}}",
                       pointer=pointer)
    try:
        return int(str(data.get("id")))
    except ValueError as exc:
        raise ApiError(422, "invalid_relationship", f"{name} id must be an integer",
                       pointer=f"{pointer}/data/id") from exc


def resource(type_: str, id_: Any, attributes: dict[str, Any],
             relationships: dict[str, tuple[str, Any]] | None = None,
             self_link: str | None = None) -> dict[str, Any]:
    """A resource object; `relationships` maps name → (type, id or list of ids)."""
    obj: dict[str, Any] = {"type": type_, "id": str(id_), "attributes": attributes}
    if relationships:
        rels = {}
        for name, (rtype, rid) in relationships.items():
            if isinstance(rid, list):
                rels[name] = {"data": [{"type": rtype, "id": str(i)} for i in rid]}
            else:
                rels[name] = {"data": None if rid is None else {"type": rtype, "id": str(rid)}}
        obj["relationships"] = rels
    if self_link:
        obj["links"] = {"self": self_link}
    return obj


def document(data: Any, *, status: int = 200, meta: dict | None = None,
             links: dict | None = None, included: list | None = None,
             headers: dict | None = None) -> Response:
    body: dict[str, Any] = {"data": data, "jsonapi": {"version": "1.0"}}
    if meta is not None:
        body["meta"] = meta
    if links is not None:
        body["links"] = links
    if included is not None:
        body["included"] = included
    return Response(json.dumps(body), status=status, mimetype=JSONAPI, headers=headers)


def page_args() -> tuple[int, int]:
    """`page[number]` (1-based) and `page[size]` (default 20, at most 500), or 400."""
    def read(name: str, default: int, lo: int, hi: int) -> int:
        raw = request.args.get(f"page[{name}]")
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = lo - 1
        if not lo <= value <= hi:
            raise ApiError(400, "invalid_page_parameter",
                           f"page[{name}] must be an integer from {lo} to {hi}",
                           parameter=f"page[{name}]")
        return value

    return read("number", 1, 1, 10**9), read("size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)


def page_document(page: Page, items: list[dict]) -> Response:
    """A list document with `meta.count` and first/prev/next/last links."""
    other = [(k, v) for k, v in request.args.items(multi=True) if not k.startswith("page[")]

    def link(number: int) -> str:
        query = other + [("page[number]", str(number)), ("page[size]", str(page.size))]
        return f"{request.base_url}?{urlencode(query)}"

    links = {"self": link(page.number), "first": link(1), "last": link(page.last),
             "prev": link(page.number - 1) if page.number > 1 else None,
             "next": link(page.number + 1) if page.number < page.last else None}
    return document(items, meta={"count": page.total}, links=links)
