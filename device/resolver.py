"""Query → playable audio URL with one long-lived yt-dlp instance and an expiry-aware cache.

The seed started a new mpv/yt-dlp process per song (about 40 s) and picked
`audiostreams[3]`; here one warm `YoutubeDL` chooses `bestaudio/best` and a cache keyed by
the query serves repeated songs until the stream URL's own `expire=` time.

Before yt-dlp sees a query the device checks it again (the API did once): a YouTube id or
URL, a URL on an allowed media host, or search words; a URL host that resolves to a
private, loopback or link-local address is refused unless allowed. yt-dlp itself loads
only the extractors those need, and each query reaches only its own (a YouTube URL never
the generic one). The media URL yt-dlp answers is checked the same way, every redirect
hop included, before the player gets it. Errors reported back are short and carry no page content.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from contracts.speaker_queries import (
    DEFAULT_MEDIA_HOSTS,
    MAX_QUERY_LENGTH,
    QueryRefused,
    classify_query,
    host_allowed,
    is_youtube_id,
)
from device.redirects import Follow, final_url

YDL_OPTIONS: dict[str, Any] = {
    "format": "bestaudio/best",
    "noplaylist": True,
    "quiet": True,
    "no_warnings": True,
    "noprogress": True,
    "skip_download": True,
    "socket_timeout": 10,
    # YouTube videos and searches, and direct media files (generic) on allowed hosts
    "allowed_extractors": ["youtube", "youtube:search", "generic"],
}
DEFAULT_TTL_S = 3600.0
EXPIRY_MARGIN_S = 60.0  # a URL this close to its expiry is not handed to the player


class ResolveError(Exception):
    """The query could not be turned into a playable URL (no result, extractor error)."""


@dataclass(frozen=True)
class Resolved:
    query: str
    url: str
    title: str | None
    duration_s: float | None
    expires_at: float  # epoch seconds after which `url` must be resolved again
    http_headers: dict[str, str] = field(default_factory=dict)
    artist: str | None = None  # artist, else channel or uploader
    thumbnail_url: str | None = None  # an https picture of the song, when it has one


class Resolver(Protocol):
    def resolve(self, query: str, *, fresh: bool = False) -> Resolved:
        """A playable URL for `query`; `fresh` bypasses the cache (early end, expired URL).
        Raises ResolveError."""
        ...


def to_target(query: str) -> str:
    """What yt-dlp is asked for: a URL as given, a YouTube video id as its watch URL,
    anything else as a one-result YouTube search. Raises ValueError on an empty query."""
    query = query.strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise ValueError(f"query must have 1 to {MAX_QUERY_LENGTH} characters")
    if "://" in query:
        return query
    if is_youtube_id(query):
        return f"https://www.youtube.com/watch?v={query}"
    return f"ytsearch1:{query}"


# the one extractor each kind of query may reach: a YouTube URL the video extractor does
# not take (a redirect link, a channel) is refused, never handed to the generic one
EXTRACTOR = {"youtube": "Youtube", "search": "YoutubeSearch", "media": "Generic"}


def _addresses(host: str, port: int | None) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_query(query: str, allowed_hosts: tuple[str, ...], addresses=_addresses) -> str:
    """The kind of `query` ("youtube", "search", "media"). Raises QueryRefused unless it
    is one a speaker plays (see the module docstring); `addresses(host, port)` resolves
    a URL's host."""
    found = classify_query(query, allowed_hosts)
    if found.host is not None:
        check_host(found.host, found.port, allowed_hosts, addresses)
    return found.kind


def check_host(host: str, port: int | None, allowed_hosts: tuple[str, ...],
               addresses=_addresses) -> None:
    """Raises QueryRefused unless `host` is allowed or resolves to public addresses only."""
    if host_allowed(host, port, allowed_hosts):
        return
    try:
        resolved = addresses(host, port)
    except (OSError, ValueError):
        raise QueryRefused("the URL's host does not resolve") from None
    if not resolved or any(not ip.is_global for ip in resolved):
        raise QueryRefused("the URL's host is a private, loopback or link-local address")


def https_or_none(url: Any) -> str | None:
    """`url` when it is an https URL of sane length (a picture a remote may show)."""
    ok = isinstance(url, str) and url.startswith("https://") and len(url) <= 1000
    return url if ok else None


def short_error(exc: BaseException) -> str:
    """What a device reports for a failed play: our own short messages, never an
    extractor's (which may quote the page it fetched)."""
    if isinstance(exc, ResolveError | QueryRefused):
        return str(exc)[:200]
    return "cannot play this query"


def expiry_of(url: str) -> float | None:
    """The epoch time in the URL's `expire=` query parameter (or `/expire/N/` path part,
    as in YouTube manifest URLs), if any."""
    parts = urlsplit(url)
    values = parse_qs(parts.query).get("expire")
    raw = values[0] if values else None
    if raw is None:
        m = re.search(r"/expire/(\d+)", parts.path)
        raw = m.group(1) if m else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class YtDlpResolver:
    """The real Resolver. Thread-safe; one YoutubeDL for the process lifetime."""

    def __init__(self, *, clock: Callable[[], float] = time.time, ydl: Any = None,
                 max_entries: int = 256, default_ttl_s: float = DEFAULT_TTL_S,
                 allowed_hosts: tuple[str, ...] = DEFAULT_MEDIA_HOSTS,
                 addresses: Callable[[str, int | None], list] = _addresses,
                 follow: Follow = final_url) -> None:
        if ydl is None:
            import yt_dlp

            ydl = yt_dlp.YoutubeDL(dict(YDL_OPTIONS))
        self._ydl = ydl
        self._allowed_hosts = tuple(allowed_hosts)
        self._addresses = addresses
        self._follow = follow
        self._clock = clock
        self._ttl = default_ttl_s
        self._max = max_entries
        self._cache: OrderedDict[str, Resolved] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, query: str, *, fresh: bool = False) -> Resolved:
        key = query.strip()
        try:
            kind = check_query(key, self._allowed_hosts, self._addresses)
        except QueryRefused as exc:
            raise ResolveError(str(exc)) from None
        target = to_target(key)
        with self._lock:
            hit = self._cache.get(key)
            if hit and not fresh and self._clock() < hit.expires_at - EXPIRY_MARGIN_S:
                self._cache.move_to_end(key)
                return hit
            try:
                info = self._ydl.extract_info(target, download=False,
                                              ie_key=EXTRACTOR[kind])
            except Exception as exc:  # yt-dlp raises DownloadError and friends
                # its message may quote the fetched page: only its kind goes back
                raise ResolveError(f"cannot resolve the query ({type(exc).__name__})") from exc
            resolved = self._checked(self._to_resolved(key, info))
            self._cache[key] = resolved
            self._cache.move_to_end(key)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
            return resolved

    def _checked(self, resolved: Resolved) -> Resolved:
        """`resolved` with the URL libvlc will open: its redirects followed, every hop's
        host checked like a query's before it is connected. Raises ResolveError."""
        def check(url: str) -> None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise QueryRefused("the media URL is not http(s)")
            check_host(parts.hostname, parts.port, self._allowed_hosts, self._addresses)

        try:
            final = self._follow(resolved.url, resolved.http_headers, check)
        except QueryRefused as exc:
            raise ResolveError(f"media URL refused: {exc}") from None
        return replace(resolved, url=final)

    def select(self, query: str, raw_info: dict[str, Any]) -> Resolved:
        """Run yt-dlp's own format selection on an extractor result (no network)."""
        with self._lock:
            info = self._ydl.process_ie_result(raw_info, download=False)
        return self._to_resolved(query, info)

    def _to_resolved(self, query: str, info: dict[str, Any] | None) -> Resolved:
        if info and info.get("entries") is not None:  # a search: its first result
            entries = [e for e in info["entries"] if e]
            info = entries[0] if entries else None
        if not info:
            raise ResolveError("nothing found for the query")
        chosen = info
        if not info.get("url") and info.get("requested_formats"):
            audio = [f for f in info["requested_formats"] if f.get("acodec") != "none"]
            chosen = audio[0] if audio else info["requested_formats"][0]
        url = chosen.get("url")
        if not url:
            raise ResolveError("no playable format for the query")
        now = self._clock()
        return Resolved(query=query, url=url, title=info.get("title"),
                        duration_s=info.get("duration"),
                        expires_at=expiry_of(url) or now + self._ttl,
                        http_headers=dict(chosen.get("http_headers") or {}),
                        artist=info.get("artist") or info.get("channel") or info.get("uploader"),
                        thumbnail_url=https_or_none(info.get("thumbnail")))
