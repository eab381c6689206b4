"""The app's order screens and statistics."""

from __future__ import annotations

from tests.support.api import auth
from tests.support.openevent import app_headers, session_login

READ = ("identifier", "amount", "status", "payment-mode", "completed-at")


def test_event_orders_then_one_by_identifier_then_its_attendees(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/events/{door.event_id}/orders?include=event&page[size]=0",
                   headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    [order] = body["data"]
    assert order["id"] == door.order_id
    attrs = order["attributes"]
    assert all(attrs.get(k) is not None for k in READ), attrs
    assert (attrs["amount"], attrs["status"], attrs["payment-mode"]) == \
        (25.5, "completed", "online")
    assert [(i["type"], i["id"]) for i in body["included"]] == [("event", door.event_id)]

    identifier = attrs["identifier"]
    r = client.get(f"/v1/orders/{identifier}?include=event", headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["data"]["id"] == door.order_id
    assert ("event", door.event_id) in {(i["type"], i["id"]) for i in r.get_json()["included"]}

    r = client.get(f"/v1/orders/{identifier}/attendees", headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    assert [a["id"] for a in r.get_json()["data"]] == door.attendee_ids
    assert [a["attributes"]["firstname"] for a in r.get_json()["data"]] == \
        ["Ada", "Grace", "Alan"]


def test_a_forged_identifier_is_404(client, door):
    token = session_login(client, "organizer@example.com")
    for forged in (f"{door.order_id}.0000000000", f"{door.order_id}.", "x.y"):
        r = client.get(f"/v1/orders/{forged}/attendees", headers=app_headers(token))
        assert r.status_code == 404, forged


def test_orders_of_an_event_are_not_for_strangers(client, door):
    from tests.support.api import sign_up

    stranger = sign_up(client, "stranger@example.com")
    r = client.get(f"/v1/events/{door.event_id}/orders?include=event&page[size]=0",
                   headers=auth(stranger))
    assert r.status_code == 403


def test_order_statistics_by_state(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/events/{door.event_id}/order-statistics", headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    data = r.get_json()["data"]
    assert data["type"] == "order-statistics-event" and data["id"] == door.event_id
    stats = data["attributes"]
    assert stats["orders"]["completed"] == 1 and stats["orders"]["total"] == 1
    assert stats["tickets"]["completed"] == 3 and stats["tickets"]["cancelled"] == 0
    assert stats["sales"]["completed"] == 25.5 and stats["sales"]["total"] == 25.5
    assert set(stats["orders"]) == {"draft", "cancelled", "pending", "placed", "expired",
                                    "completed", "total"}

    r = client.patch(f"/v1/orders/{door.order_id}", headers=auth(door.owner_token),
                     json={"data": {"type": "order", "id": door.order_id,
                                    "attributes": {"status": "cancelled"}}})
    assert r.status_code == 200, r.get_json()
    stats = client.get(f"/v1/events/{door.event_id}/order-statistics",
                       headers=app_headers(token)).get_json()["data"]["attributes"]
    assert (stats["orders"]["completed"], stats["orders"]["cancelled"]) == (0, 1)
    assert stats["tickets"]["cancelled"] == 3


def test_an_order_includes_its_attendees_once_when_asked(client, door):
    token = session_login(client, "organizer@example.com")
    r = client.get(f"/v1/orders/{door.order_id}?include=attendees,event",
                   headers=app_headers(token))
    assert r.status_code == 200, r.get_json()
    included = [(i["type"], i["id"]) for i in r.get_json()["included"]]
    assert included == [("attendee", a) for a in door.attendee_ids] + \
        [("event", door.event_id)]
