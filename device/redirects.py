"""Following a media URL's redirects before libvlc opens it: libvlc follows redirects on
its own, so a public URL that answers `302 Location: http://192.168.1.1/` would reach the
venue's network. Each hop is checked by the caller before it is connected; the player
then gets the last URL, which answers without a redirect.

What is left: the server may answer differently when libvlc asks (a second request), and
a host may resolve differently a moment later. Both need the attacker to control the
media server the device was sent to; the query itself was checked first."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urljoin

from contracts.speaker_queries import QueryRefused

Follow = Callable[[str, dict[str, str], Callable[[str], None]], str]
MAX_HOPS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None  # the 3xx comes back as an HTTPError: we decide where to go


_OPENER = urllib.request.build_opener(_NoRedirects)


def final_url(url: str, headers: dict[str, str], check: Callable[[str], None], *,
              timeout: float = 10.0) -> str:
    """The URL that answers `url` after its redirects, `check(hop)` called before each
    hop is connected (it raises QueryRefused to stop). One byte is asked for (Range);
    nothing is read. Raises QueryRefused: a hop refused, too many hops, no answer."""
    for _ in range(MAX_HOPS + 1):
        check(url)
        request = urllib.request.Request(url, headers={**headers, "Range": "bytes=0-0"})
        try:
            with _OPENER.open(request, timeout=timeout):
                return url
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if exc.code in REDIRECTS else None
            exc.close()
            if not location:
                return url  # answered (an error the player will report), no redirect
            url = urljoin(url, location)
        except (OSError, ValueError) as exc:
            raise QueryRefused(f"the media URL does not answer ({type(exc).__name__})"
                               ) from None
    raise QueryRefused(f"the media URL redirects more than {MAX_HOPS} times")
