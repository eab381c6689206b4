"""Compound documents: registered resource types and what `include=` loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request

from api.errors import ApiError
from api.links import absolute

# parent ids, at most how many children to load -> parent id -> its children
ToMany = Callable[[list[int], int], dict[int, list[dict]]]


@dataclass(frozen=True)
class ResourceType:
    """What `include=` needs of a resource type: its relationships (name → related type),
    how to render resources of it by id, in one query for any number of ids, and for
    to-many relationships not rendered with the resource (an event's tickets) how to load
    them for any number of parents in one query (parent id → resources). `paged` names
    the list that pages through a to-many relationship (`/v1/events/{id}/tickets`)."""

    relationships: dict[str, str]
    load: Callable[[list[int]], list[dict]] | None = None
    to_many: dict[str, ToMany] = field(default_factory=dict)
    paged: dict[str, str] = field(default_factory=dict)


RESOURCE_TYPES: dict[str, ResourceType] = {}
MAX_INCLUDE_DEPTH = 2
# resources one relationship of `include=` may add: past it the client pages instead
MAX_INCLUDED_ROWS = 1000


def resource_type(type_: str, relationships: dict[str, str],
                  load: Callable[[list[int]], list[dict]] | None = None,
                  to_many: dict[str, ToMany] | None = None,
                  paged: dict[str, str] | None = None) -> None:
    """Register a resource type (at import, by the blueprint that renders it)."""
    RESOURCE_TYPES[type_] = ResourceType(relationships, load, to_many or {}, paged or {})


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
        children = loader([int(r["id"]) for r in group], MAX_INCLUDED_ROWS + 1)
        for res in group:
            kids = children.get(int(res["id"]), [])
            res.setdefault("relationships", {})[name] = {
                "data": [{"type": k["type"], "id": k["id"]} for k in kids]}
            loaded.extend(kids)
    return loaded


def _too_many_rows(level: list[dict], name: str) -> ApiError:
    """400 `too_many_rows`: `include=` of `name` past MAX_INCLUDED_ROWS, naming the list
    that pages through it for the first parent (when it has one)."""
    parent = level[0]
    template = RESOURCE_TYPES.get(parent["type"], ResourceType({})).paged.get(name)
    where = f": page through {absolute(template.format(id=parent['id']))}" \
        if template else ": page through the list instead"
    return ApiError(400, "too_many_rows", f"include={name} would add more than "
                    f"{MAX_INCLUDED_ROWS} resources{where}", parameter="include")


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
            if len(ids) > MAX_INCLUDED_ROWS:
                raise _too_many_rows(level, name)
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
