"""Play queries as an SSRF attacker writes them: refused at the API (422, nothing sent)
and again at the device, whose yt-dlp loads only the extractors a speaker needs and whose
errors never quote a fetched page."""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from contracts.speaker_queries import DEFAULT_MEDIA_HOSTS
from device.media_server import MediaServer, make_tone
from device.resolver import ResolveError, YtDlpResolver, short_error
from models.core.db import Database
from models.core.outbox import OutboxMessage
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, doc
from tests.support.device import unprobed

ATTACKS = [
    "file:///etc/passwd", "ftp://files.example/a.mp3", "gopher://127.0.0.1:8090/x",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin",
    "http://127.0.0.1:8099/setup/pair",  # the Pi's own setup server
    "http://[::1]:8090/hello.wav", "http://localhost.attacker.example:8090/a.wav",
    "https://attacker.example/a.mp3", "http://user:pw@127.0.0.1:8090/hello.wav",
    "https://www.youtube.com.attacker.example/watch?v=dQw4w9WgXcQ",
    "never\x00gonna", "line one\nline two", "rtl\u202eevil", "x" * 501, "", "   ",
]
ACCEPTED = ["dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ", "http://127.0.0.1:8090/hello.wav",
            "http://LOCALHOST:8090/tone.wav", "never gonna give you up",
            "file: a song title with a colon"]


@pytest.fixture
def client(base_config, db):
    # the shipped allowlist: the demo media server only
    config = base_config.with_(speaker_media_hosts=DEFAULT_MEDIA_HOSTS)
    shipped = Database(config)
    yield create_app(config, shipped).test_client()
    shipped.dispose()


@pytest.fixture
def speaker(client):
    token = sign_up_verified(client, "owner@example.com")
    r = client.post("/v1/speakers", headers=auth(token), json=doc("speaker", {"name": "A"}))
    return token, r.get_json()["data"]["id"]


def commands(db) -> list[str]:
    with db.session() as s:
        return [m.routing_key for m in s.query(OutboxMessage)
                if m.routing_key.endswith(".play")]


@pytest.mark.parametrize("query", ATTACKS)
def test_ssrf_queries_are_422_at_the_api_and_send_nothing(client, speaker, db, query):
    token, speaker_id = speaker
    r = client.post(f"/v1/speakers/{speaker_id}/play", headers=auth(token),
                    json={"query": query})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["errors"][0]
    # a NUL is refused at the API's edge for every string (api/text_input.py)
    code = "control_character" if "\x00" in query else "invalid_query"
    assert error["source"]["pointer"] == "/query" and error["code"] == code
    assert commands(db) == []


@pytest.mark.parametrize("query", ACCEPTED)
def test_youtube_allowed_media_hosts_and_search_words_are_sent(client, speaker, db, query):
    token, speaker_id = speaker
    r = client.post(f"/v1/speakers/{speaker_id}/play", headers=auth(token),
                    json={"query": query})
    assert r.status_code == 202, r.get_json()
    assert commands(db) == [f"speaker.{speaker_id}.play"]


class RecordingYdl:
    """Fails the test if the device hands a refused query to yt-dlp."""

    def __init__(self) -> None:
        self.targets: list[str] = []

    def extract_info(self, target, download=False, **_):
        self.targets.append(target)
        return {"title": "t", "url": "http://127.0.0.1:8090/t.wav"}


@pytest.mark.parametrize("query", ATTACKS[:-3])
def test_the_device_refuses_them_again_before_yt_dlp(query):
    ydl = RecordingYdl()
    with pytest.raises(ResolveError):
        YtDlpResolver(ydl=ydl).resolve(query)
    assert ydl.targets == []


def test_a_youtube_host_resolving_to_a_private_address_is_refused_by_the_device():
    ydl = RecordingYdl()
    rebound = YtDlpResolver(ydl=ydl, addresses=lambda host, port: [
        ipaddress.ip_address("10.1.2.3")])
    with pytest.raises(ResolveError, match="private"):
        rebound.resolve("https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    public = YtDlpResolver(ydl=ydl, follow=unprobed, addresses=lambda host, port: [
        ipaddress.ip_address("142.250.74.206")])
    assert public.resolve("https://www.youtube.com/watch?v=dQw4w9WgXcQ").title == "t"


@pytest.fixture
def local_media(tmp_path: Path):
    make_tone(tmp_path / "tone.wav", 2)
    (tmp_path / "page.html").write_text("<html><body>TOP-SECRET-INTRANET-PAGE "
                                        + "x" * 5000 + "</body></html>")
    with MediaServer(tmp_path) as server:
        yield server


def test_loopback_media_is_played_only_when_allowlisted(local_media):
    with pytest.raises(ResolveError):  # default allowlist: port 8090 only
        YtDlpResolver().resolve(local_media.url("tone.wav"))
    allowed = YtDlpResolver(allowed_hosts=("127.0.0.1",))
    assert allowed.resolve(local_media.url("tone.wav")).url == local_media.url("tone.wav")


def test_yt_dlp_loads_only_the_extractors_a_speaker_needs():
    loaded = {name.lower() for name in YtDlpResolver()._ydl._ies}
    assert loaded == {"youtube", "youtubesearch", "generic"}


class QuotingYdl:
    """An extractor whose error quotes the page it fetched (as extractors' errors may)."""

    def extract_info(self, target, download=False, **_):
        raise RuntimeError("ERROR: unable to extract: <html>TOP-SECRET-INTRANET-PAGE "
                           + "x" * 5000)


def test_the_error_reported_back_is_short_and_quotes_no_page(local_media):
    with pytest.raises(ResolveError) as caught:
        YtDlpResolver(ydl=QuotingYdl()).resolve("some words")
    reported = short_error(caught.value)
    assert "TOP-SECRET" not in reported and len(reported) <= 200
    # the real extractor on an HTML page of an allowed host: refused, and as short
    with pytest.raises(ResolveError) as caught:
        YtDlpResolver(allowed_hosts=("127.0.0.1",)).resolve(local_media.url("page.html"))
    assert "TOP-SECRET" not in short_error(caught.value)
    assert short_error(RuntimeError("<html>TOP-SECRET</html>")) == "cannot play this query"


class OneUrlYdl:
    """An extractor that answers every query with `url` (where libvlc would go)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def extract_info(self, target, download=False, **_):
        return {"title": "t", "url": self.url}


@contextlib.contextmanager
def redirecting_to(location: str):
    """A local server answering every GET with `302 Location: location`; its base URL."""
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_media_url_redirecting_to_a_private_address_is_refused_before_the_player(
        local_media):
    target = local_media.url("tone.wav")  # loopback: private, and not allowed here
    with redirecting_to(target) as public:
        port = int(public.rsplit(":", 1)[1])
        # the redirecting host stands for a public one: allowed, as a public host passes
        resolver = YtDlpResolver(ydl=OneUrlYdl(f"{public}/song.wav"),
                                 allowed_hosts=(f"127.0.0.1:{port}",))
        with pytest.raises(ResolveError, match="private"):
            resolver.resolve("some words")
        trusting = YtDlpResolver(ydl=OneUrlYdl(f"{public}/song.wav"), allowed_hosts=(
            f"127.0.0.1:{port}", f"127.0.0.1:{urlsplit(target).port}"))
        assert trusting.resolve("some words").url == target  # libvlc gets the last hop


def test_a_youtube_url_the_video_extractor_does_not_take_never_reaches_the_generic_one():
    import yt_dlp

    from device.resolver import YDL_OPTIONS

    seen: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def proxy():  # records every connection yt-dlp makes, answers nothing
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                seen.append(conn.recv(200))
            conn.close()

    threading.Thread(target=proxy, daemon=True).start()
    ydl = yt_dlp.YoutubeDL({**YDL_OPTIONS, "socket_timeout": 3,
                            "proxy": f"http://127.0.0.1:{listener.getsockname()[1]}"})
    resolver = YtDlpResolver(ydl=ydl, addresses=lambda host, port: [
        ipaddress.ip_address("142.250.74.206")])
    try:
        with pytest.raises(ResolveError):
            resolver.resolve("https://www.youtube.com/redirect?q=http%3A%2F%2F10.0.0.1%2F")
    finally:
        listener.close()
    assert seen == []  # yt-dlp fetched nothing: no extractor took the URL
