"""Pagination: `page[number]`/`page[size]` in, list documents with page links out."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, request

from api.errors import ApiError
from api.jsonapi.rendering import document
from api.links import absolute
from models.core.queries import ALL_ROWS, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page

MAX_PAGE_NUMBER = 10**9  # an OFFSET past it is no page anyone reads


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

    return read("number", 1, 1, MAX_PAGE_NUMBER), read("size", DEFAULT_PAGE_SIZE, ALL_ROWS,
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
