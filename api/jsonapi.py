"""The thin JSON:API 1.0 envelope: parse documents in, render resources and lists out."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlencode

from flask import Response, json, request
from marshmallow import EXCLUDE, Schema, fields
from marshmallow.utils import ensure_text_type, missing

from api.errors import JSONAPI, ApiError
from api.limits import bounded_id, parse_json
from api.links import absolute
from models.core.queries import ALL_ROWS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

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

    def dump(self, obj: Any, *, many: bool | None = None):
        """marshmallow's dump, the same answer; one dict of values is rendered by a plan
        made once per schema instance. marshmallow's own path calls five functions per
        field: an order's attributes took 14 µs, now 5. tests/unit/test_resource_dump.py
        holds every schema's fast answer to marshmallow's."""
        if type(obj) is not dict or many or (many is None and self.many):
            return super().dump(obj, many=many)
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = _dump_plan(self)
        if plan is False:
            return super().dump(obj, many=many)
        out = {}
        for key, out_key, convert in plan:
            value = obj.get(key, missing)
            if value is missing:
                continue
            out[out_key] = None if value is None else convert(value, key, obj)
        return out


def _text(value: Any, *_: Any) -> str:
    return value if type(value) is str else ensure_text_type(value)


def _converter(field: fields.Field) -> Callable[[Any, str, dict], Any]:
    """How `field` turns a value that is not None into its dumped form."""
    kind = type(field)
    if kind in (fields.String, fields.Email):
        return _text
    if kind in (fields.Integer, fields.Float) and not field.as_string:
        number = field._format_num
        return lambda value, *_: number(value)
    if kind in (fields.DateTime, fields.AwareDateTime) and \
            field.format in (None, "iso", "iso8601"):
        return lambda value, *_: value.isoformat()
    return field._serialize  # any other field, as marshmallow runs it


def _dump_plan(schema: Schema) -> list[tuple[str, str, Callable]] | bool:
    """(key in the values, key out, converter) per dumped field; False where marshmallow's
    own path must run: dump hooks, a field without an attribute to read, a dump default,
    a dotted attribute."""
    if any(schema._hooks[hook] for hook in ("pre_dump", "post_dump")):
        return False
    plan = []
    for name, member in schema.dump_fields.items():
        key = member.attribute or name
        if not member._CHECK_ATTRIBUTE or member.dump_default is not missing or "." in key:
            return False
        plan.append((key, member.data_key if member.data_key is not None else name,
                     _converter(member)))
    return plan


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
    return bounded_id(data.get("id"), f"{pointer}/data/id", "invalid_relationship",
                      f"{name} id")


def resource(type_: str, id_: Any, attributes: dict[str, Any],
             relationships: dict[str, tuple[str, Any]] | None = None,
             self_link: str | None = None) -> dict[str, Any]:
    """A resource object; `relationships` maps name → (type, id or list of ids); a
    `self_link` path becomes absolute under BASE_URL."""
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
        obj["links"] = {"self": absolute(self_link)}
    return obj


ToMany = Callable[[list[int]], dict[int, list[dict]]]


@dataclass(frozen=True)
class ResourceType:
    """What `include=` needs of a resource type: its relationships (name → related type),
    how to render resources of it by id, in one query for any number of ids, and for
    to-many relationships not rendered with the resource (an event's tickets) how to load
    them for any number of parents in one query (parent id → resources)."""

    relationships: dict[str, str]
    load: Callable[[list[int]], list[dict]] | None = None
    to_many: dict[str, ToMany] = field(default_factory=dict)


RESOURCE_TYPES: dict[str, ResourceType] = {}
MAX_INCLUDE_DEPTH = 2


def resource_type(type_: str, relationships: dict[str, str],
                  load: Callable[[list[int]], list[dict]] | None = None,
                  to_many: dict[str, ToMany] | None = None) -> None:
    """Register a resource type (at import, by the blueprint that renders it)."""
    RESOURCE_TYPES[type_] = ResourceType(relationships, load, to_many or {})


def include_paths(type_: str | None) -> list[list[str]]:
    """`include=a,b.c` as [[a], [b, c]]; 400 pointing at `include` for a relationship
    `type_` does not have, or one whose resources cannot be included."""
    raw = request.args.get("include")
    if not raw:
        return []
    paths = [p.split(".") for p in raw.split(",") if p]
    if type_ is None:
        return paths
    for path in paths:
        current: str = type_
        if len(path) > MAX_INCLUDE_DEPTH:
            raise ApiError(400, "invalid_include", f"include paths go at most "
                           f"{MAX_INCLUDE_DEPTH} relationships deep", parameter="include")
        for name in path:
            target = RESOURCE_TYPES.get(current, ResourceType({})).relationships.get(name)
            kind = RESOURCE_TYPES.get(current, ResourceType({}))
            if target is None or (name not in kind.to_many and
                                  RESOURCE_TYPES.get(target, ResourceType({})).load is None):
                raise ApiError(400, "invalid_include",
                               f"{current} has no relationship {name!r} to include",
                               parameter="include")
            current = target
    return paths


def _related(resources: list[dict], name: str) -> tuple[str | None, list[int]]:
    """The type and the ids (first-seen order, no repeats) `resources` name under `name`."""
    type_, ids = None, dict[int, None]()
    for res in resources:
        data = res.get("relationships", {}).get(name, {}).get("data")
        for ref in data if isinstance(data, list) else [data] if data else []:
            type_ = ref["type"]
            ids[int(ref["id"])] = None
    return type_, list(ids)


def _link_to_many(resources: list[dict], name: str) -> list[dict]:
    """Fill in the to-many relationship `name` of `resources` whose type loads it apart;
    returns the resources it loaded."""
    loaded: list[dict] = []
    by_type: dict[str, list[dict]] = {}
    for res in resources:
        if name not in res.get("relationships", {}):
            by_type.setdefault(res["type"], []).append(res)
    for type_, group in by_type.items():
        loader = RESOURCE_TYPES.get(type_, ResourceType({})).to_many.get(name)
        if loader is None:
            continue
        children = loader([int(r["id"]) for r in group])
        for res in group:
            kids = children.get(int(res["id"]), [])
            res.setdefault("relationships", {})[name] = {
                "data": [{"type": k["type"], "id": k["id"]} for k in kids]}
            loaded.extend(kids)
    return loaded


def compound(primary: list[dict], type_: str | None,
             included: list[dict] | None = None) -> list[dict]:
    """`included` plus the resources `include=` asks for: one load per relationship
    named, whatever the number of primary resources."""
    seen = {(r["type"], r["id"]) for r in primary}
    out: list[dict] = []
    for res in included or []:
        if (res["type"], res["id"]) not in seen:
            seen.add((res["type"], res["id"]))
            out.append(res)
    for path in include_paths(type_ or (primary[0]["type"] if primary else None)):
        level = primary
        for name in path:
            children = _link_to_many(level, name)
            rtype, ids = _related(level, name)
            known = {r["id"]: r for r in out if r["type"] == rtype}
            known.update({k["id"]: k for k in children if k["type"] == rtype})
            missing = [i for i in ids if str(i) not in known]
            loader = RESOURCE_TYPES[rtype].load if rtype in RESOURCE_TYPES else None
            loaded = loader(missing) if missing and loader else []
            for res in [known[str(i)] for i in ids if str(i) in known] + loaded:
                if (res["type"], res["id"]) not in seen:
                    seen.add((res["type"], res["id"]))
                    out.append(res)
                known[res["id"]] = res
            level = [known[str(i)] for i in ids if str(i) in known]
    return out


def sparse_fields() -> dict[str, set[str]]:
    """`fields[type]=a,b` as {type: {a, b}}; `id` and `type` are always kept."""
    out: dict[str, set[str]] = {}
    for key, value in request.args.items():
        if key.startswith("fields[") and key.endswith("]"):
            out[key[7:-1]] = {f for f in value.split(",") if f}
    return out


def _sparse(res: dict, wanted: dict[str, set[str]]) -> dict:
    keep = wanted.get(res["type"])
    if keep is None:
        return res
    out = {k: v for k, v in res.items() if k not in ("attributes", "relationships")}
    out["attributes"] = {k: v for k, v in res.get("attributes", {}).items() if k in keep}
    rels = {k: v for k, v in res.get("relationships", {}).items() if k in keep}
    if rels:
        out["relationships"] = rels
    return out


def document(data: Any, *, status: int = 200, meta: dict | None = None,
             links: dict | None = None, included: list | None = None,
             headers: dict | None = None, type_: str | None = None) -> Response:
    """A JSON:API document. Every one honours `include=` (compound documents) and
    `fields[type]=` (sparse fieldsets) here, so no view implements either; `type_` names
    the primary type for validating `include=` on an empty list."""
    primary = data if isinstance(data, list) else [data] if data else []
    explicit = included is not None
    included = compound(primary, type_, included)
    wanted = sparse_fields()
    if wanted:
        data = [_sparse(r, wanted) for r in data] if isinstance(data, list) else \
            _sparse(data, wanted) if data else data
        included = [_sparse(r, wanted) for r in included]
    body: dict[str, Any] = {"data": data, "jsonapi": {"version": "1.0"}}
    if meta is not None:
        body["meta"] = meta
    if links is not None:
        body["links"] = links
    if explicit or included or request.args.get("include"):
        body["included"] = included
    return Response(json.dumps(body), status=status, mimetype=JSONAPI, headers=headers)


def page_args() -> tuple[int, int]:
    """`page[number]` (1-based) and `page[size]` (default 20, at most 500; 0 means every
    row, up to `ALL_ROWS_CAP`), or 400."""
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

    return read("number", 1, 1, 10**9), read("size", DEFAULT_PAGE_SIZE, ALL_ROWS,
                                              MAX_PAGE_SIZE)


def page_document(page: Page, items: list[dict], *, type_: str | None = None,
                  included: list | None = None) -> Response:
    """A list document with `meta.count` and first/prev/next/last links."""
    other = [(k, v) for k, v in request.args.items(multi=True) if not k.startswith("page[")]

    def link(number: int) -> str:
        query = other + [("page[number]", str(number)), ("page[size]", str(page.size))]
        return f"{absolute(request.path)}?{urlencode(query)}"

    links = {"self": link(page.number), "first": link(1), "last": link(page.last),
             "prev": link(page.number - 1) if page.number > 1 else None,
             "next": link(page.number + 1) if page.number < page.last else None}
    return document(items, meta={"count": page.total}, links=links, type_=type_,
                    included=included)
