"""Headers every answer carries: no sniffing, no framing, a Content-Security-Policy, and
`Cache-Control: no-store` on everything but static files.

no-store is the default rather than a list of secret-bearing views: the API's answers
are per user (tokens from login, a speaker's device token and broker URL, the pages'
CSRF tokens), and a list would miss the next view that hands out a secret. Static files
keep Flask's own caching. A view may set its own policy (the /docs page does); this
only fills in what is missing."""

from __future__ import annotations

import base64
import functools
import hashlib

from flask import Flask, Response, request

from api.links import absolute_location

# JSON answers load nothing and may be framed by nobody
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# the pages: their own scripts (htmx vendored under /static/vendor, door.js, ops.js) and
# stylesheet, fetches back to this site, forms posted here; no inline script or style,
# no eval (htmx runs with allowEval false)
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
            "https://i.ytimg.com; manifest-src 'self'; worker-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "same-origin"}
# sent only when BASE_URL is https: a browser that saw it never speaks plain HTTP to the
# host again for a year, so a network attacker cannot strip TLS from the session cookie
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def style_hash(css: str) -> str:
    """The CSP source that allows exactly this inline <style> content."""
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def _names(response: Response) -> set[str]:
    return {name.lower() for name in response.headers.keys()}


def _secure(response: Response, hsts: bool = False) -> Response:
    # the names present, read once: each Headers lookup scans every header, and five of
    # them cost a fifth of a bare request's CPU
    present = _names(response)
    if "location" in present:
        response = absolute_location(response)  # may be a new redirect
        present = _names(response)
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if hsts and "strict-transport-security" not in present:
        response.headers.add(*HSTS)
    if "content-security-policy" not in present:
        html = response.mimetype == "text/html"
        response.headers.add("Content-Security-Policy", PAGE_CSP if html else API_CSP)
    if request.endpoint != "static":
        if "cache-control" in present:
            response.headers["Cache-Control"] = "no-store"
        else:
            response.headers.add("Cache-Control", "no-store")
    return response


def install(app: Flask, *, hsts: bool = False) -> None:
    """The headers above on every answer; HSTS too when `hsts` (BASE_URL is https)."""
    app.after_request(functools.partial(_secure, hsts=hsts) if hsts else _secure)
