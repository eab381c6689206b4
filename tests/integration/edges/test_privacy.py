"""Privacy played as an attacker: Bob walks every GET endpoint (API and pages) over every
id of Alice's world and never reads her address; what he may not see answers exactly
as what does not exist; staff come only from invitations their addressee accepted, and
inviting an address tells the owner nothing about whether an account holds it."""

from __future__ import annotations

import itertools
import json
import re

import pytest
import sqlalchemy as sa

from tests.support.accounts import accept_link, link_token
from tests.support.api import assert_error, auth, doc, invite
from tests.support.privacy import ALICE, BOB, CAROL, World, make_world, sign_in_pages
from tests.support.snapshot import database_rows

IDS = [str(i) for i in range(1, 9)]  # every id the world made, and a few more
MISSING = "999999"


@pytest.fixture
def world(api) -> World:
    return make_world(api.client)


def walk(app, client, token: str | None, world: World) -> dict[str, tuple[int, str]]:
    """path → (status, body) of every GET rule with every id filled in, and the list
    parameters that pull in related resources (anonymously when `token` is None)."""
    special = {"identifier": [world.order_identifier, world.order_id], "name": ["x"]}
    adapter = app.url_map.bind("localhost")
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        for values in itertools.product(*[special.get(n, IDS) for n in names]):
            paths.add(adapter.build(rule.endpoint, dict(zip(names, values, strict=True))))
    e = world.event_id
    paths.update([
        "/v1/feedbacks?include=user,event", f"/v1/events/{e}/feedbacks?include=user",
        f"/v1/events/{e}?include=owner,tickets", "/v1/events?include=owner",
        f"/v1/events/{e}/tickets?include=event", "/v1/staff-invitations?include=event",
        f"/v1/events/{e}/attendees?include=order,ticket", f"/door/{e}/search?q=alice",
        f"/v1/orders/{world.order_id}?include=user,attendees",
        f"/v1/events/{e}/orders?include=user"])
    out = {}
    for path in sorted(paths):
        r = client.get(path, headers={"Authorization": f"Bearer {token}"} if token else {})
        # Badge previews and door prints are PNG and PDF: their bytes that are not UTF-8
        # are replaced. Text inside their pixels or compressed streams is not seen here;
        # a badge prints no address (printing/layout.py: names, ticket, organisation).
        body = r.get_data().decode("utf-8", "replace")
        assert r.status_code < 500, (path, body)
        out[path] = (r.status_code, body)
    return out


def mentions(answers: dict[str, tuple[int, str]], text: str) -> list[str]:
    return [p for p, (_, body) in answers.items() if text.lower() in body.lower()]


def test_a_second_user_walking_every_endpoint_never_reads_the_first_users_address(
        api, world):
    app, client = api.app, api.client
    sign_in_pages(client, BOB)
    answers = walk(app, client, world.bob, world)
    assert mentions(answers, ALICE) == []
    ok = [p for p, (status, _) in answers.items() if status == 200]
    assert len(answers) > 200 and len(ok) >= 20, ok  # real resources, not only refusals
    # it did read resources naming Alice: her event with its owner, her feedback's user
    owner_doc = answers[f"/v1/events/{world.event_id}?include=owner,tickets"]
    assert owner_doc[0] == 200 and '"type": "user"' in owner_doc[1]
    assert '"type": "staff-invitation"' in answers["/v1/staff-invitations?include=event"][1]


def test_the_walk_finds_an_address_where_it_may_be_read(api, world):
    """The same walk as the owner and as accepted staff: Alice reads her own address,
    and Carol (staff) reads the attendee emails Alice typed into her order; neither
    reads the other's account address in a staff list."""
    app, client = api.app, api.client
    answers = walk(app, client, world.alice, world)
    assert "/v1/users/1" in mentions(answers, ALICE)
    staff = answers[f"/v1/events/{world.event_id}/staff"]
    assert staff[0] == 200 and '"display-name"' in staff[1] and CAROL not in staff[1]
    carol = walk(app, client, world.carol, world)
    assert f"/v1/events/{world.event_id}/attendees?include=order,ticket" in \
        mentions(carol, ALICE)
    assert f"/v1/attendees/{world.attendee_id}" in mentions(carol, ALICE)


def same_answer(client, token: str, method: str, real: str, missing: str, **kw) -> None:
    a = getattr(client, method)(real, headers=auth(token), **kw)
    b = getattr(client, method)(missing, headers=auth(token), **kw)
    assert_error(a, 404)
    assert (a.status_code, a.get_data()) == (b.status_code, b.get_data()), (method, real)


def test_what_a_user_may_not_see_answers_as_what_does_not_exist(api, world):
    client, db = api.client, api.db
    before = database_rows(db)
    bob = world.bob
    for kind, real in (("attendees", world.attendee_id), ("orders", world.order_id),
                       ("badges", world.badge_id), ("speakers", world.speaker_id)):
        same_answer(client, bob, "get", f"/v1/{kind}/{real}", f"/v1/{kind}/{MISSING}")
    a, o, s = world.attendee_id, world.order_id, world.speaker_id
    for attrs in ({"is-checked-in": True}, {"first-name": "Mallory"}, {},
                  {"checkin-times": "2027-03-01T10:00:00Z", "is-checked-in": True}):
        same_answer(client, bob, "patch", f"/v1/attendees/{a}", f"/v1/attendees/{MISSING}",
                    json=doc("attendee", attrs))
    for scan in ("check-in", "check-out"):
        same_answer(client, bob, "post", f"/v1/attendees/{a}/{scan}",
                    f"/v1/attendees/{MISSING}/{scan}", json={"nonce": "n-1"})
    real = client.post("/v1/check-in", headers=auth(bob), json={"secret": world.attendee_secret})
    forged = client.post("/v1/check-in", headers=auth(bob), json={"secret": "x" * 32})
    assert (real.status_code, real.get_data()) == (forged.status_code, forged.get_data())
    same_answer(client, bob, "get", f"/v1/orders/{world.order_identifier}",
                f"/v1/orders/{o}.{'0' * 20}")
    same_answer(client, bob, "get", f"/v1/orders/{o}/attendees",
                f"/v1/orders/{MISSING}/attendees")
    for status in ("cancelled", "completed"):
        same_answer(client, bob, "patch", f"/v1/orders/{o}", f"/v1/orders/{MISSING}",
                    json=doc("order", {"status": status}))
    same_answer(client, bob, "get", f"/v1/badges/{world.badge_id}/file",
                f"/v1/badges/{MISSING}/file")
    for method, tail in (("post", "/stop"), ("post", "/token"), ("delete", ""),
                         ("post", "/volume")):
        same_answer(client, bob, method, f"/v1/speakers/{s}{tail}",
                    f"/v1/speakers/{MISSING}{tail}", json={"level": 10})
    same_answer(client, bob, "post", f"/v1/staff-invitations/{world.carol_invitation_id}/"
                "decline", f"/v1/staff-invitations/{MISSING}/decline")
    assert database_rows(db) == before


def normalised(r) -> dict:
    """The invitation answer without what differs by the address: id, email, times."""
    body = r.get_json()
    attrs = body["data"]["attributes"]
    attrs["email"], attrs["created-at"], body["data"]["id"] = "*", "*", "*"
    return body


def test_an_invitation_answers_the_same_whether_the_address_has_an_account(api, world):
    client, db = api.client, api.db
    before = {t: len(rows) for t, rows in database_rows(db).items()}
    client.post("/v1/users", json=doc("user", {"email": "dave@example.com",
                                               "password": "password123"}))
    held = invite(client, world.alice, world.event_id, "dave@example.com")
    nobody = invite(client, world.alice, world.event_id, "nobody@example.com")
    assert held.status_code == nobody.status_code == 201
    assert normalised(held) == normalised(nobody)
    assert set(held.get_json()["data"]["relationships"]) == {"event"}
    assert not re.search(r'"type": "user"', held.get_data(as_text=True))
    after = {t: len(rows) for t, rows in database_rows(db).items()}
    assert after["staff_invitations"] == before["staff_invitations"] + 2
    assert after["event_staff"] == before["event_staff"]  # nobody is staff by being named


def staff_may_list(client, token: str, event_id: str) -> int:
    return client.get(f"/v1/events/{event_id}/attendees", headers=auth(token)).status_code


def test_the_invitee_sees_pending_invitations_and_only_accepting_makes_them_staff(api, world):
    client = api.client
    assert staff_may_list(client, world.bob, world.event_id) == 403
    mine = client.get("/v1/staff-invitations", headers=auth(world.bob)).get_json()["data"]
    assert [(i["id"], i["attributes"]["email"], i["attributes"]["status"]) for i in mine] \
        == [(world.bob_invitation_id, BOB, "pending")]
    assert mine[0]["relationships"]["event"]["data"]["id"] == world.event_id
    carol_sees = client.get("/v1/staff-invitations", headers=auth(world.carol)).get_json()
    assert carol_sees["data"] == []  # hers is answered; Bob's is not hers
    r = accept_link(client, world.bob, world.bob_invitation_id)
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["status"] == "accepted"
    assert staff_may_list(client, world.bob, world.event_id) == 200
    assert client.get("/v1/staff-invitations", headers=auth(world.bob)).get_json()["data"] \
        == []


def test_declining_leaves_them_out_and_inviting_again_asks_again(api, world):
    client = api.client
    url = f"/v1/staff-invitations/{world.bob_invitation_id}"
    mailed = link_token(client, world.bob_invitation_id)
    r = client.post(f"{url}/decline", headers=auth(world.bob))
    assert r.get_json()["data"]["attributes"]["status"] == "declined"
    assert staff_may_list(client, world.bob, world.event_id) == 403
    assert_error(accept_link(client, world.bob, world.bob_invitation_id, mailed), 409,
                 "invitation_link_used")
    assert staff_may_list(client, world.bob, world.event_id) == 403
    again = invite(client, world.alice, world.event_id, BOB)
    assert again.get_json()["data"]["id"] == world.bob_invitation_id
    assert again.get_json()["data"]["attributes"]["status"] == "pending"
    assert accept_link(client, world.bob, world.bob_invitation_id).status_code == 200
    assert staff_may_list(client, world.bob, world.event_id) == 200


def test_revoking_or_removing_ends_the_staff_role(api, world):
    client = api.client
    assert staff_may_list(client, world.carol, world.event_id) == 200
    r = client.delete(f"/v1/events/{world.event_id}/staff-invitations/"
                      f"{world.carol_invitation_id}", headers=auth(world.alice))
    assert r.status_code == 204
    assert staff_may_list(client, world.carol, world.event_id) == 403
    inv = invite(client, world.alice, world.event_id, CAROL).get_json()["data"]
    assert accept_link(client, world.carol, inv["id"]).status_code == 200
    staff = client.get(f"/v1/events/{world.event_id}/staff", headers=auth(world.alice))
    [member] = staff.get_json()["data"]
    client.delete(f"/v1/events/{world.event_id}/staff/{member['id']}",
                  headers=auth(world.alice))
    assert staff_may_list(client, world.carol, world.event_id) == 403
    assert client.get("/v1/staff-invitations", headers=auth(world.carol)).get_json()["data"] \
        == []  # the invitation went with the role: a new one must ask her again


def test_only_the_owner_invites_and_naming_a_user_by_id_is_gone(api, world):
    client, db = api.client, api.db
    before = database_rows(db)
    assert_error(invite(client, world.bob, world.event_id, BOB), 403)
    assert_error(invite(client, world.alice, world.event_id, "not-an-address"), 422)
    assert_error(invite(client, world.alice, MISSING, BOB), 404)
    r = client.post(f"/v1/events/{world.event_id}/staff", headers=auth(world.alice),
                    json={"data": {"type": "user", "id": "2"}})
    assert_error(r, 405)  # the old door to every account's address
    assert database_rows(db) == before


def users_read(answers: dict[str, tuple[int, str]]) -> list[tuple[str, dict]]:
    """(path, user resource) of every user resource, primary or included, in `answers`."""
    out = []
    for path, (status, body) in answers.items():
        if status != 200 or not body.startswith("{"):
            continue
        doc_ = json.loads(body)
        data = doc_.get("data")
        for res in [*(data if isinstance(data, list) else [data]), *doc_.get("included", [])]:
            if isinstance(res, dict) and res.get("type") == "user":
                out.append((path, res))
    return out


def test_other_users_appear_as_id_and_display_name_only(api, world):
    """Through `include=owner` and `include=user`, Bob (and an anonymous client) reads
    Alice's and Carol's id and display name, never their admin flag, activity or when
    they verified their address."""
    with api.db.engine.connect() as conn:
        bob_id = str(conn.execute(sa.text("SELECT id FROM users WHERE email = :e"),
                                  {"e": BOB}).scalar_one())
    for token in (world.bob, None):
        seen = [(path, res) for path, res in users_read(walk(api.app, api.client, token,
                                                             world))
                if res["id"] != bob_id]
        assert len(seen) >= 3, seen  # the owner of the event, the feedback's and order's user
        for path, res in seen:
            assert set(res["attributes"]) <= {"display-name"}, (path, res["attributes"])
    own = users_read(walk(api.app, api.client, world.alice, world))
    assert any("is-admin" in res["attributes"] for _, res in own)  # her own, in full
