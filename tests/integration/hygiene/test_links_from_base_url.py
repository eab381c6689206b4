"""Every link the API hands out (a Location, JSON:API `links`, a badge's file URL, a
page's redirect) starts with BASE_URL, whatever Host or X-Forwarded-Host the request
claims: a forged header cannot send a client, a cache or a mail to another host."""

from __future__ import annotations

import sqlalchemy as sa

from models.accounts.users import create_user
from tests.integration.hygiene.conftest import BASE_URL, FORGED
from tests.support.api import auth, create_event, doc, sign_up
from tests.support.badges import badge_doc, rows, user_with_usage
from tests.support.pages import csrf_token


def urls_in(value) -> list[str]:
    """Every string in a JSON document that looks like a URL or a path."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return [value] if isinstance(value, str) and ("://" in value or value.startswith("/")) \
        else []


def assert_ours(r) -> None:
    """No header and no link of the answer names the attacker's host; every link and
    Location is under BASE_URL."""
    assert "evil.example" not in r.get_data(as_text=True)
    assert not any("evil.example" in v for v in r.headers.values())
    if "Location" in r.headers:
        assert r.headers["Location"].startswith(BASE_URL + "/"), r.headers["Location"]
    if r.is_json:
        found = urls_in(r.get_json().get("links", {})) + urls_in(r.get_json().get("data"))
        for url in found:
            assert url.startswith(BASE_URL + "/"), url


def test_a_badge_request_location_and_links_ignore_a_forged_host(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    r = client.post("/v1/badges", headers={**auth(token), **FORGED},
                    json=badge_doc({"rows": rows(1)}))
    assert r.status_code == 202
    assert r.headers["Location"] == f"{BASE_URL}/v1/badges/{r.get_json()['data']['id']}"
    assert_ours(r)


def test_a_generated_badge_file_url_ignores_a_forged_host(client, db):
    _, token = user_with_usage(client, db, "o@example.com", 5)
    badge_id = client.post("/v1/badges", headers=auth(token),
                           json=badge_doc({"rows": rows(1)})).get_json()["data"]["id"]
    with db.engine.begin() as conn:  # as the badges consumer leaves it once rendered
        conn.execute(sa.text("UPDATE badges SET status = 'generated', file_path = 'x.pdf' "
                             "WHERE id = :id"), {"id": int(badge_id)})
    r = client.get(f"/v1/badges/{badge_id}", headers={**auth(token), **FORGED})
    assert r.get_json()["data"]["attributes"]["file-url"] == \
        f"{BASE_URL}/v1/badges/{badge_id}/file"
    assert_ours(r)


def test_resource_and_paging_links_ignore_a_forged_host(client, db):
    token = sign_up(client, "o@example.com")
    for name in ("A", "B", "C"):
        create_event(client, token, name)
    r = client.get("/v1/events?page[size]=1&page[number]=2", headers=FORGED)
    links = r.get_json()["links"]
    assert set(links) == {"self", "first", "last", "prev", "next"}
    assert all(link.startswith(f"{BASE_URL}/v1/events?") for link in links.values())
    assert r.get_json()["data"][0]["links"]["self"].startswith(f"{BASE_URL}/v1/events/")
    assert_ours(r)


def test_relationship_links_ignore_a_forged_host(client, db):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/discount-codes", headers={**auth(token), **FORGED}, json=doc(
        "discount-code", {"code": "EARLY", "value": 10, "type": "amount",
                          "used-for": "ticket"}, {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    tickets = r.get_json()["data"]["relationships"]["tickets"]["links"]
    assert tickets["self"].startswith(f"{BASE_URL}/v1/discount-codes/")
    assert tickets["related"].startswith(f"{BASE_URL}/v1/discount-codes/")
    assert_ours(r)


def test_page_redirects_ignore_a_forged_host(client, db):
    r = client.get("/home", headers=FORGED)  # signed out: to sign in, and back
    assert r.status_code == 302 and r.headers["Location"] == f"{BASE_URL}/signin?next=/home?"
    create_user(db, "staff@example.com", "password123")
    # the session cookie belongs to the test client's host: forge the proxy headers only
    forged = {k: v for k, v in FORGED.items() if k != "Host"}
    r = client.post("/signin?next=/speakers", headers=forged, data={
        "email": "staff@example.com", "password": "password123",
        "csrf_token": csrf_token(client)})
    assert r.status_code == 302 and r.headers["Location"] == f"{BASE_URL}/speakers"
    r = client.post("/signout", headers=forged,
                    data={"csrf_token": csrf_token(client, "/home")})
    assert r.headers["Location"] == f"{BASE_URL}/signin"
    assert_ours(r)


def test_werkzeugs_own_redirects_ignore_a_forged_host(client):
    """Werkzeug answers a path with doubled slashes by a 308 it builds from the Host."""
    for path, target in (("/v1//events", "/v1/events"), ("/door//1", "/door/1")):
        r = client.get(path, headers=FORGED)
        assert r.status_code == 308 and r.headers["Location"] == BASE_URL + target
        assert_ours(r)
        # the redirect rebuilt under BASE_URL still carries every header answers carry
        assert (r.headers["X-Frame-Options"], r.headers["X-Content-Type-Options"],
                r.headers["Cache-Control"]) == ("DENY", "nosniff", "no-store")
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_the_docs_names_no_forged_host(client):
    for path in ("/docs", "/v1/openapi.json"):
        r = client.get(path, headers=FORGED)
        assert r.status_code == 200
        assert_ours(r)
