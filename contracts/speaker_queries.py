"""What a speaker may be asked to play: a YouTube video id or URL, a URL on an allowed
media host, or search words. Shared by the API (which answers 422) and the device (which
checks again before yt-dlp sees anything). Standard library only: the Pi runs it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

MAX_QUERY_LENGTH = 500
YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com",
                           "music.youtube.com", "youtu.be"})
DEFAULT_MEDIA_HOSTS = ("127.0.0.1:8090", "localhost:8090")  # the demo media server
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
# Control (Cc) and format (Cf) characters of Unicode 14: what could hide or reorder what a
# query says (a NUL, a line break, a right-to-left override, a zero-width joiner, tag
# characters). Spelled as regex classes, so that the OpenAPI document states the very
# classes refused here: those of the Basic Multilingual Plane escaped, in `query_pattern`;
# the others as the characters themselves, for a `not` beside it (a class of escapes
# past U+FFFF is no ECMA 262 regex, and schemathesis draws from none). A lone surrogate,
# which has no UTF-8 form, is refused as well.
REFUSED_CHARACTERS = (
    r"\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891"
    r"\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
REFUSED_ASTRAL = ("\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
                  "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
_REFUSED = re.compile(f"[{REFUSED_CHARACTERS}{REFUSED_ASTRAL}\ud800-\udfff]")
# the white space str.strip() takes off a query that is not refused above
SPACES = r" \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

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
    """The kind of a play query (`query_pattern` states the same as a pattern). Raises
    QueryRefused for anything else: not a string, over MAX_QUERY_LENGTH or only spaces, a
    control or format character anywhere, a URL with another scheme, with credentials,
    or on a host neither YouTube's nor allowed."""
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH or not query.strip():
        raise QueryRefused(f"query must have 1 to {MAX_QUERY_LENGTH} characters, not "
                           "only spaces")
    if _REFUSED.search(query):
        raise QueryRefused("query must not contain control or format characters")
    query = query.strip()
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


def _any_case(text: str) -> str:
    """`text` as a pattern that matches it in any letter case (JSON Schema's patterns
    take no flags), special characters escaped."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c)
                   for c in text)


def query_pattern(allowed_hosts: Collection[str]) -> str:
    """What `classify_query` takes, as a JSON Schema pattern (with `maxLength`
    MAX_QUERY_LENGTH and `not` a character of REFUSED_ASTRAL beside it): search words
    without "://", or an http(s) URL on a
    YouTube host or one of `allowed_hosts`, spaces around either. It is the narrower
    reading only in what no client needs: on a host allowed at any port, a port of at
    most four digits and never an empty one (`https://youtu.be:/x`)."""
    ok, word, spaces = f"[^{REFUSED_CHARACTERS}]", f"[^{REFUSED_CHARACTERS}{SPACES}]", \
        f"[{SPACES}]*"
    words = f"(?!{ok}*://){ok}*{word}{ok}*"
    hosts = [_any_case(h) + ("(:[0-9]{1,4})?" if ":" not in h else "")
             for h in sorted({*YOUTUBE_HOSTS, *(h.lower() for h in allowed_hosts)})]
    url = f"{spaces}{_any_case('http')}[sS]?://({'|'.join(hosts)})([/?#]{ok}*)?{spaces}"
    return f"^({words}|{url})$"
