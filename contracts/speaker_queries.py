"""What a speaker may be asked to play: a YouTube video id or URL, a URL on an allowed
media host, or search words. Shared by the API (which answers 422) and the device (which
checks again before yt-dlp sees anything). Standard library only: the Pi runs it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

MAX_QUERY_LENGTH = 500
YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com",
                           "music.youtube.com", "youtu.be"})
DEFAULT_MEDIA_HOSTS = ("127.0.0.1:8090", "localhost:8090")  # the demo media server
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")

QueryKind = Literal["youtube", "media", "search"]


class QueryRefused(ValueError):
    """Not a query a speaker plays; the message is short and never repeats the query."""


@dataclass(frozen=True)
class PlayQuery:
    kind: QueryKind
    query: str  # stripped
    host: str | None = None  # of a URL
    port: int | None = None


def host_allowed(host: str, port: int | None, allowed: Collection[str]) -> bool:
    """Whether `host` (and `port`) is on the allowlist: entries `host` (any port) or
    `host:port`, compared without case."""
    host = host.lower()
    return any(entry.lower() in (host, f"{host}:{port}") for entry in allowed)


def is_youtube_id(query: str) -> bool:
    # an 11-character word of the id alphabet that is not a plain lowercase word
    return bool(_YOUTUBE_ID.fullmatch(query)) and not (query.isalpha() and query.islower())


def classify_query(query: object, allowed_hosts: Collection[str]) -> PlayQuery:
    """The kind of a play query. Raises QueryRefused for anything else: not a string,
    empty or over MAX_QUERY_LENGTH, control or format characters, a URL with another
    scheme, with credentials, or on a host neither YouTube's nor allowed."""
    if not isinstance(query, str) or not 1 <= len(query.strip()) <= MAX_QUERY_LENGTH:
        raise QueryRefused(f"query must have 1 to {MAX_QUERY_LENGTH} characters")
    query = query.strip()
    if any(unicodedata.category(c)[0] == "C" for c in query):
        raise QueryRefused("query must not contain control characters")
    if "://" not in query:
        return PlayQuery("youtube" if is_youtube_id(query) else "search", query)
    try:
        parts = urlsplit(query)
        host, port = (parts.hostname or ""), parts.port
    except ValueError:
        raise QueryRefused("query is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host or parts.username is not None:
        raise QueryRefused("a URL query must be http(s), without credentials")
    if host in YOUTUBE_HOSTS:
        return PlayQuery("youtube", query, host, port)
    if host_allowed(host, port, allowed_hosts):
        return PlayQuery("media", query, host, port)
    raise QueryRefused("a URL query must be on YouTube or an allowed media host")
