"""OpenAPI 3 from the marshmallow schemas (apispec), and a self-contained docs page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify
from werkzeug.routing import IntegerConverter, Rule

from api.choices import listed_enum
from api.errors import JSONAPI
from api.headers import style_hash
from api.jsonapi import MAX_INCLUDE_DEPTH, MAX_PAGE_NUMBER, RESOURCE_TYPES
from api.list_query import COMPARISONS, FILTERABLE
from api.openapi_filter import filter_parameter
from api.speaker_bodies import PLAY_QUERY, play_query_schema, with_plain_bodies
from api.text_input import NO_CONTROL_PATTERN
from models.core.queries import ALL_ROWS_CAP, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

bp = Blueprint("openapi", __name__)
# the docs page's only resource: this inline style, allowed by its hash (no script at all)
DOCS_STYLE = ("body{font-family:sans-serif;margin:2em}"
              "td{padding:.2em .8em;border-bottom:1px solid #ddd}")
DOCS_CSP = (f"default-src 'none'; style-src {style_hash(DOCS_STYLE)}; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


def doc(summary: str, *, type_: str | None = None, body: type | None = None,
        response: type | None = None, status: int = 200, many: bool = False,
        errors: tuple[int, ...] = (), include_of: str | None = None,
        list_of: str | None = None, raw_body: tuple[str, dict] | None = None,
        raw_response: tuple[str, dict] | None = None,
        relationships: dict[str, tuple[str, bool]] | None = None,
        query: tuple[tuple, ...] = (), partial: bool | None = None,
        rules: str | None = None) -> Callable:
    """Describe a view for the OpenAPI document: `body`/`response` are attribute schemas
    wrapped in the JSON:API envelope of resource type `type_`; `raw_body`/`raw_response`
    (media type, JSON Schema) describe bodies that are no resource document. `include_of`
    documents `include=` and `fields[type]=` for that primary type; `list_of` those and
    the list parameters (paging, `filter=`, `sort=`). `relationships` names the body's
    to-one relationships: name -> (resource type, required). `query` adds the view's own
    query parameters: (name, description, JSON Schema[, required]). `partial`: whether the
    body may leave out the schema's required members; by default a PATCH's may, and a
    PATCH that needs one (an order's `status`) says False. `rules`: the operation's
    description, for refusals JSON Schema cannot state (rules across members, or on the
    state of things), each with its status and code; schemathesis.toml names each such
    operation (tests/integration/test_schemathesis_config.py holds the two together)."""
    def wrap(view: Callable) -> Callable:
        view._venuebus_doc = dict(summary=summary, type=type_, body=body, response=response,
                                  status=status, many=many, errors=errors,
                                  include_of=include_of or list_of, list_of=list_of,
                                  raw_body=raw_body, raw_response=raw_response,
                                  relationships=relationships or {}, query=query,
                                  partial=partial, rules=rules)
        return view
    return wrap


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def include_choices(type_: str, depth: int = MAX_INCLUDE_DEPTH) -> list[str]:
    """Every include path `include_paths` (api/jsonapi/includes.py) accepts on `type_`,
    longest first (a pattern's alternation tries them in order)."""
    kind = RESOURCE_TYPES.get(type_)
    if kind is None or depth == 0:
        return []
    out = []
    for name, target in kind.relationships.items():
        related = RESOURCE_TYPES.get(target)
        if name not in kind.to_many and (related is None or related.load is None):
            continue
        out += [f"{name}.{rest}" for rest in include_choices(target, depth - 1)] + [name]
    return sorted(set(out), key=lambda p: (-len(p), p))


def query_parameters(include_of: str | None, list_of: str | None) -> list[dict]:
    """The JSON:API query parameters a view answers, described from the registries that
    implement them (so the document cannot drift from what is accepted)."""
    out: list[dict] = []
    if include_of:
        names = sorted(RESOURCE_TYPES.get(include_of).relationships) \
            if include_of in RESOURCE_TYPES else []
        one = "(" + "|".join(re.escape(p) for p in include_choices(include_of)) + ")"
        out.append(_query("include", "Comma list of relationships to add to `included` "
                          f"(compound document), paths up to {MAX_INCLUDE_DEPTH} deep with "
                          f"`.`: {', '.join(names) or 'none'}; another is a 400",
                          {"type": "string", "pattern": f"^,*({one}(,+{one})*)?,*$"}
                          if include_choices(include_of) else {"type": "string",
                                                              "pattern": "^,*$"}))
        out.append({**_query("fields", "Sparse fieldsets: `fields[<type>]=a,b` keeps only "
                             "those attributes and relationships of resources of that type",
                             {"type": "object", "additionalProperties": {"type": "string"}}),
                    "style": "deepObject", "explode": True})
    if list_of:
        out.append(_query("page[number]", "1-based page number", {
            "type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER}))
        out.append(_query("page[size]", f"Rows per page (default {DEFAULT_PAGE_SIZE}, at "
                          f"most {MAX_PAGE_SIZE}); 0 means every row, unpaginated, up to a "
                          f"hard cap of {ALL_ROWS_CAP} rows (400 `too_many_rows` beyond)",
                          {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_SIZE}))
        spec = FILTERABLE[list_of]
        out.append(filter_parameter(list_of, "JSON list of conditions, all must hold: "
                          '`{"name", "op", "val"}` with op in '
                          f"{', '.join(COMPARISONS)}; "
                          '`{"name": <relationship>, "op": "has", "val": <condition>}` '
                          f"on {', '.join(sorted(spec.relationships)) or 'none'}; "
                          '`{"or": [...]}`, `{"and": [...]}`. Fields: '
                          f"{', '.join(sorted(spec.fields))}. A bad filter is a 400."))
        one = "-?(" + "|".join(re.escape(f) for f in sorted(spec.fields)) + ")"
        out.append(_query("sort", "Comma list of fields, `-field` descending: "
                          f"{', '.join(sorted(spec.fields))}; another is a 400",
                          {"type": "string", "pattern": f"^({one}(,{one})*)?$"}))
    return out


def _relationships(named: dict[str, tuple[str, bool]], partial: bool) -> dict:
    """The body's `relationships` member: each to-one relationship the API reads, as
    `relationship_id` (api/jsonapi/parsing.py) accepts it, and which must be there."""
    if not named:
        return {"type": "object"}
    members = {name: {"type": "object", "required": ["data"], "properties": {"data": {
        "type": "object", "required": ["type", "id"], "properties": {
            "type": {"type": "string", "enum": [type_]},
            # an id from 1 to MAX_INT, as a string (bounded_id); nine digits stay below it
            "id": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}}}}}
               for name, (type_, _required) in named.items()}
    out: dict[str, Any] = {"type": "object", "properties": members}
    required = sorted(n for n, (_t, needed) in named.items() if needed and not partial)
    if required:
        out["required"] = required
    return out


def _envelope(spec: APISpec, schema: type, type_: str | None, many: bool, *,
              response: bool, partial: bool = False,
              relationships: dict[str, tuple[str, bool]] | None = None) -> dict:
    """A JSON:API document whose `data` is one resource (or a list) of `type_`; a response's
    resources always carry their id. A request's resource must carry `attributes` when its
    schema has required members; a `partial` one (PATCH) requires none of them."""
    name = schema.__name__.removesuffix("Schema") + ("Patch" if partial else "")
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=schema(partial=True) if partial else schema)
    type_schema: dict[str, Any] = {"type": "string"}
    if type_:
        type_schema["enum"] = [type_]
    required = ["type", "id"] if response else ["type"]
    if not response and not partial and any(
            f.required and not f.dump_only for f in schema().fields.values()):
        required.append("attributes")
    rels = {} if response else _relationships(relationships or {}, partial)
    if rels.get("required"):
        required.append("relationships")
    resource = {"type": "object", "required": required,
                "properties": {
                    "type": type_schema, "id": {"type": "string"},
                    "attributes": {"$ref": f"#/components/schemas/{name}"},
                    "relationships": rels or {"type": "object"},
                    "links": {"type": "object"}}}
    data = {"type": "array", "items": resource} if many else resource
    return {"content": {JSONAPI: {"schema": {"type": "object", "required": ["data"],
                                             "properties": {"data": data}}}}}


# A member the API ignores may hold anything JSON holds, but its strings pass
# api/text_input.py all the same (a JSON body's every value is checked): the component
# Free, which refers to itself
# an answer whose content is its `meta` (counters, a sync page, a request's id): a JSON:API
# document like every other answer
META_ONLY = (JSONAPI, {"type": "object", "required": ["meta"],
                       "properties": {"meta": {"type": "object"}}})
FREE_REF = {"$ref": "#/components/schemas/Free"}
FREE = {"nullable": True, "anyOf": [
    {"type": "string", "pattern": NO_CONTROL_PATTERN}, {"type": "number"},
    {"type": "boolean"}, {"type": "array", "items": FREE_REF},
    {"type": "object", "additionalProperties": FREE_REF}]}


def _free_members(schema: Any) -> None:
    """Objects of a request body or an attributes schema whose other members are
    unspecified get Free as `additionalProperties`: what the API ignores, checked."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "object" and "additionalProperties" not in node:
                node["additionalProperties"] = FREE_REF
            stack.extend(v for k, v in node.items() if k != "additionalProperties")
        elif isinstance(node, list):
            stack.extend(node)


# What api/errors.py sends for every error: a JSON:API errors document.
ERROR_DOCUMENT = {"type": "object", "required": ["errors"], "properties": {
    "errors": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["status", "code", "title", "detail"], "properties": {
            "status": {"type": "string", "pattern": "^[45][0-9][0-9]$"},
            "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
            "title": {"type": "string"}, "detail": {"type": "string"},
            "source": {"type": "object", "properties": {"pointer": {"type": "string"},
                                                        "parameter": {"type": "string"}}}}}},
    "jsonapi": {"type": "object"}}}


# A token that does not verify is refused even where none is needed (a public read
# honours a valid one: include= shows more to the owner); with the database down every
# operation answers 503 database_unavailable (Retry-After: 1); a control character in any
# string sent (the query string included) is 422 control_character (api/text_input.py).
ALWAYS_POSSIBLE = {401, 422, 503}
# empty or not JSON, over MAX_CONTENT_LENGTH, not JSON by its Content-Type
BODY_ERRORS = {400, 413, 415}


def path_parameters(rule: Rule, path: str) -> list[dict]:
    """The path's parameters; `<int:...>` ones are non-negative integers (anything else
    does not match the route: 404)."""
    converters = getattr(rule, "_converters", {})
    return [{"name": p, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 0}
             if isinstance(converters.get(p), IntegerConverter) else {"type": "string"}}
            for p in re.findall(r"{(\w+)}", path)]


def build_spec(app: Flask) -> dict[str, Any]:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title="venuebus API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[marshmallow],
                   info={"description": "JSON:API 1.0 endpoints of venuebus"})
    marshmallow.converter.add_attribute_function(listed_enum)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Errors", ERROR_DOCUMENT)
    spec.components.schema("Free", FREE)
    spec.components.schema(PLAY_QUERY, play_query_schema(
        app.extensions["venuebus"].config.speaker_media_hosts))
    error_ref = {"content": {JSONAPI: {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    paths: dict[str, dict] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "_venuebus_doc", None)
        if meta is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {"summary": meta["summary"], "responses": {}}
            if meta["rules"]:
                op["description"] = meta["rules"]
            if meta["body"] is not None:
                op["requestBody"] = {"required": True, **_envelope(
                    spec, meta["body"], meta["type"], False, response=False,
                    partial=method == "PATCH" if meta["partial"] is None else meta["partial"],
                    relationships=meta["relationships"])}
            elif meta["raw_body"] is not None:
                media_type, schema = meta["raw_body"]
                op["requestBody"] = {"required": True,
                                     "content": {media_type: {"schema": schema}}}
            for media_type, body in op.get("requestBody", {}).get("content", {}).items():
                if media_type.endswith("json"):
                    _free_members(body)
                elif body["schema"].get("type") == "object":  # a form: text fields
                    body["schema"].setdefault("additionalProperties", {
                        "type": "string", "pattern": NO_CONTROL_PATTERN})
            ok: dict[str, Any] = {"description": "Success"}
            if meta["raw_response"] is not None:
                media_type, schema = meta["raw_response"]
                ok["content"] = {media_type: {"schema": schema}}
            if meta["response"] is not None:
                ok.update(_envelope(spec, meta["response"], meta["type"], meta["many"],
                                    response=True))
            op["responses"][str(meta["status"])] = ok
            params = path_parameters(rule, path) + query_parameters(meta["include_of"],
                                                                    meta["list_of"])
            params += [{**_query(name, text, schema), "required": bool(needed)}
                       for name, text, schema, *needed in meta["query"]]
            errors = set(meta["errors"]) | ALWAYS_POSSIBLE
            if "{" in path:  # a path parameter that does not fit the route
                errors.add(404)
            if "requestBody" in op:
                errors |= BODY_ERRORS
            if meta["body"] is not None:  # a resource of another type (or id): 409
                errors.add(409)
            for status in sorted(errors):
                op["responses"][str(status)] = {"description": "Error", **error_ref}
            # the HTTP server's own answer to a request line past its bound (gunicorn:
            # 8190 bytes, cli/api_server.py), before the app sees it: no JSON:API body
            op["responses"]["414"] = {"description": "Request line too long"}
            if getattr(view, "_venuebus_auth", False):
                op["security"] = [{"bearer": []}]
            if params:
                op["parameters"] = params
            paths.setdefault(path, {})[method.lower()] = op
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    document = spec.to_dict()
    for name, schema in document["components"]["schemas"].items():
        if name not in ("Errors", "Free"):  # attributes the API does not read: as above
            _free_members(schema)
    return _no_control_characters(with_plain_bodies(document))


def _no_control_characters(document: dict) -> dict:
    """Every free string of the document (no format, enum or pattern of its own) states
    what api/text_input.py enforces: no control character but tab and line breaks. Not
    the errors document: its detail may quote what was refused."""
    stack: list[Any] = [document["paths"], *(schema for name, schema in
                                             document["components"]["schemas"].items()
                                             if name != "Errors")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"format", "enum", "pattern"} & set(node):
                node["pattern"] = NO_CONTROL_PATTERN
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return document


@bp.get("/v1/openapi.json")
def openapi_json():
    return jsonify(build_spec(current_app))


@bp.get("/docs")
def docs_page():
    spec = build_spec(current_app)
    rows = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            lock = " 🔒" if op.get("security") else ""
            codes = ", ".join(op["responses"])
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>"
                        f"{html.escape(path)}</code></td><td>{html.escape(op['summary'])}{lock}"
                        f"</td><td>{codes}</td></tr>")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>venuebus API</title>
<style>{DOCS_STYLE}</style></head><body><h1>venuebus API</h1>
<p>JSON:API 1.0 (<code>{JSONAPI}</code>). Sign in with <code>POST /v1/auth/login</code> and
send <code>Authorization: Bearer &lt;token&gt;</code> (or <code>JWT &lt;token&gt;</code>,
as Open Event's clients do) (🔒). Machine-readable:
<a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
<table><tr><th>Method</th><th>Path</th><th>What</th><th>Statuses</th></tr>
{''.join(rows)}</table></body></html>"""
    return Response(page, mimetype="text/html", headers={"Content-Security-Policy": DOCS_CSP})
