"""Every answer carries nosniff and refuses framing; JSON loads nothing, the pages load
only this site's scripts and stylesheet, /docs only its own inline style; answers that
carry tokens or secrets are never stored by a cache."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from api.headers import style_hash
from device.setup_server import SetupSettings, create_setup_app, setup_token
from models.accounts.users import create_user
from tests.support.accounts import sign_up_verified
from tests.support.api import auth, doc
from tests.support.pages import csrf_token

TEMPLATES = Path(__file__).resolve().parents[3] / "api" / "templates"


def policy(r) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources."""
    out = {}
    for part in r.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def assert_not_framed_nor_sniffed(r) -> None:
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert policy(r)["frame-ancestors"] == ["'none'"]


class Loads(HTMLParser):
    """What a page loads: script and stylesheet URLs, inline scripts, styles and handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts, self.sheets, self.inline, self.styles = [], [], [], []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.inline += [f"{tag} {k}" for k in attrs if k.startswith("on") or k == "style"]
        if tag == "script":
            self.scripts.append(attrs.get("src"))
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.sheets.append(attrs["href"])
        self._in = tag

    def handle_data(self, data):
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script" and data.strip():
            self.inline.append("script body")

    def handle_endtag(self, tag):
        self._in = None


def loads(r) -> Loads:
    parser = Loads()
    parser.feed(r.get_data(as_text=True))
    return parser


@pytest.mark.parametrize("method,path", [("GET", "/healthz"), ("GET", "/v1/events"),
                                         ("GET", "/v1/nowhere"), ("DELETE", "/healthz"),
                                         ("GET", "/v1/openapi.json")])
def test_json_answers_load_nothing_and_are_not_framed(client, method, path):
    r = client.open(path, method=method)
    assert_not_framed_nor_sniffed(r)
    assert policy(r)["default-src"] == ["'none'"] and "script-src" not in policy(r)


def test_the_docs_page_allows_its_own_inline_style_and_nothing_else(client):
    r = client.get("/docs")
    assert_not_framed_nor_sniffed(r)
    page = loads(r)
    assert page.scripts == [] and page.sheets == [] and page.inline == []
    assert len(page.styles) == 1
    assert policy(r)["style-src"] == [style_hash(page.styles[0])]  # this style, no other
    assert policy(r)["default-src"] == ["'none'"] and "script-src" not in policy(r)


def test_pages_load_only_this_sites_scripts_and_stylesheet(client, db):
    create_user(db, "staff@example.com", "password123")
    client.post("/signin", data={"email": "staff@example.com", "password": "password123",
                                 "csrf_token": csrf_token(client)})
    for path in ("/signin", "/home", "/speakers"):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == "text/html", path
        assert_not_framed_nor_sniffed(r)
        page = loads(r)
        assert page.inline == [], path
        assert all(src.startswith("/static/") for src in page.scripts + page.sheets), path
        csp = policy(r)
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        assert csp["default-src"] == ["'none'"] and csp["form-action"] == ["'self'"]


def test_no_template_has_an_inline_script_style_or_handler():
    """What the pages' CSP would refuse to run, looked for in every template (fragments
    swapped in by htmx too)."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        parser = Loads()
        parser.feed(re.sub(r"{[{%#].*?[}%#]}", "", text, flags=re.S))
        assert parser.inline == [] and parser.styles == [], template
        assert "js:" not in text and "hx-on" not in text, template  # htmx eval
        assert not re.search(r"hx-trigger=\"[^\"]*\[", text), template  # eval'd filter


def test_static_files_keep_their_caching_and_the_headers(client):
    r = client.get("/static/vendor/htmx.min.js")
    assert r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", "")
    assert_not_framed_nor_sniffed(r)


def test_login_answers_are_not_stored(client, db):
    create_user(db, "o@example.com", "password123")
    for path in ("/v1/auth/login", "/auth/session"):
        r = client.post(path, json={"email": "o@example.com", "password": "password123"})
        assert "access_token" in r.get_json() and r.headers["Cache-Control"] == "no-store"
    r = client.post("/v1/auth/login", json={"email": "o@example.com", "password": "wrong"})
    assert r.status_code == 401 and r.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_and_its_session_answer_are_not_stored(client, db):
    create_user(db, "o@example.com", "password123")
    r = client.get("/signin")
    assert 'name="csrf_token"' in r.get_data(as_text=True)
    assert r.headers["Cache-Control"] == "no-store"
    r = client.post("/signin", data={"email": "o@example.com", "password": "password123",
                                     "csrf_token": csrf_token(client)})
    assert "session=" in r.headers["Set-Cookie"] and r.headers["Cache-Control"] == "no-store"


def test_speaker_registration_and_token_rotation_are_not_stored(client):
    token = sign_up_verified(client, "owner@example.com")
    r = client.post("/v1/speakers", headers=auth(token), json=doc("speaker", {"name": "A"}))
    attrs = r.get_json()["data"]["attributes"]
    assert attrs["device-token"] and attrs["amqp-url"]
    assert r.headers["Cache-Control"] == "no-store"
    r = client.post(f"/v1/speakers/{r.get_json()['data']['id']}/token", headers=auth(token))
    assert r.get_json()["data"]["attributes"]["device-token"]
    assert r.headers["Cache-Control"] == "no-store"


def test_the_setup_servers_pairing_answers_are_not_stored(tmp_path):
    token, _ = setup_token(tmp_path / "setup-token")
    client = create_setup_app(SetupSettings(token=token, config_path=tmp_path / "agent.json",
                                            token_file=tmp_path / "setup-token",
                                            nmcli=["false"])).test_client()
    pair = {"api_url": "https://api.venue.example", "device_id": "7",
            "device_token": "k" * 40, "amqp_url": "amqps://speaker-7:" + "k" * 40 +
            "@broker.venue.example/venue"}
    answers = [client.post("/setup/pair", json=pair, headers={"Authorization": "Bearer x"}),
               client.post("/setup/pair", json=pair,
                           headers={"Authorization": f"Bearer {token}"}),
               client.post("/setup/wifi", json={"ssid": "x", "password": "p" * 8})]
    assert [r.status_code for r in answers] == [401, 204, 403]
    for r in answers:
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
