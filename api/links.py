"""Absolute URLs from BASE_URL, never from the request.

A link built from the Host or X-Forwarded-Host header is whatever the client claims: a
forged header would put the attacker's host into a `Location`, a JSON:API `links` member
or a badge's file URL, and from there into a cache or a mail. The paths come from the
routes (url_for without `_external`), the origin only from the config."""

from __future__ import annotations

from flask import Response, url_for

from api import deps


def absolute(path: str) -> str:
    """`path` under BASE_URL when it is a path on this site (`/...`); anything else (an
    absolute URL, `//host`) is returned unchanged."""
    if path.startswith("/") and not path.startswith("//"):
        return deps.config().base_url + path
    return path


def link_for(endpoint: str, **values: object) -> str:
    """url_for(endpoint, **values) as an absolute URL under BASE_URL."""
    return absolute(url_for(endpoint, **values))


def absolute_location(response: Response) -> Response:
    """A redirect's relative `Location` made absolute under BASE_URL (after_request)."""
    location = response.headers.get("Location")
    if location:
        response.headers["Location"] = absolute(location)
    return response
