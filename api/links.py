"""Absolute URLs from BASE_URL, never from the request.

A link built from the Host or X-Forwarded-Host header is whatever the client claims: a
forged header would put the attacker's host into a `Location`, a JSON:API `links` member
or a badge's file URL, and from there into a cache or a mail. The paths come from the
routes (url_for without `_external`), the origin only from the config."""

from __future__ import annotations

from flask import Response, redirect, request, url_for

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
    """A `Location` under BASE_URL (after_request): a relative one, and one werkzeug
    built from the request's Host (its 308 to a path with merged slashes). Only a
    redirect (3xx) is rebuilt as a new response: a 201 or 202 keeps its JSON:API body,
    which a Location on this host would otherwise turn into werkzeug's HTML page."""
    location = response.headers.get("Location")
    if location and 300 <= response.status_code < 400 and \
            location.startswith(request.host_url):
        # its body names the Host too: a new redirect, the same status
        return redirect(absolute("/" + location[len(request.host_url):]),
                        response.status_code)
    if location:
        response.headers["Location"] = absolute(location)
    return response
