"""Resources and documents out: resource objects, sparse fieldsets, the envelope."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request

from api.errors import JSONAPI, ApiError
from api.jsonapi.includes import compound
from api.links import absolute


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


def sparse_fields() -> dict[str, set[str]]:
    """`fields[type]=a,b` as {type: {a, b}}; `id` and `type` are always kept."""
    out: dict[str, set[str]] = {}
    for key, value in request.args.items():
        if key.startswith("fields[") and key.endswith("]"):
            out[key[7:-1]] = {f for f in value.split(",") if f}
    return out


def check_sparse_fields() -> None:
    """Before any view: `fields[<type>]` names one type. `fields[a][b]` is a deepObject
    nested a level deeper, a value that is no string where the document's `fields` (an
    object of strings) forbids it: 400 `invalid_fields`. It was ignored. Otherwise the
    name inside the brackets is only looked up, as ever, a stray bracket included (the
    document's keys are any strings: schemathesis sends `fields[[x]`); only `][`, the
    mark of nesting, is refused. (`fields[a][b]` could also be read as the type `a][b`:
    the encoding cannot tell, and no type is named so.)"""
    for key in request.args:
        if key.startswith("fields[") and key.endswith("]") and "][" in key[7:-1]:
            raise ApiError(400, "invalid_fields", "fields[<type>] takes a comma list of "
                           "names, not an object", parameter=key)


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
