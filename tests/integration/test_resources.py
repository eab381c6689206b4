"""Events, tickets and feedbacks through the API."""

from __future__ import annotations

from tests.support.api import auth, create_event, doc, error, sign_up


def test_event_list_paginates_with_count_and_links(client):
    token = sign_up(client, "o@example.com")
    for i in range(5):
        create_event(client, token, f"Event {i}")
    body = client.get("/v1/events?page[size]=2&page[number]=2").get_json()
    assert body["meta"]["count"] == 5
    assert [e["attributes"]["name"] for e in body["data"]] == ["Event 2", "Event 3"]
    assert "page%5Bnumber%5D=3" in body["links"]["next"]
    assert "page%5Bnumber%5D=1" in body["links"]["prev"]
    assert "page%5Bnumber%5D=3" in body["links"]["last"]


def test_owner_changes_and_deletes_event(client):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.patch(f"/v1/events/{event_id}", headers=auth(token),
                     json=doc("event", {"name": "PyCon 2027"}, id_=event_id))
    assert r.get_json()["data"]["attributes"]["name"] == "PyCon 2027"
    assert client.delete(f"/v1/events/{event_id}", headers=auth(token)).status_code == 204
    assert client.get(f"/v1/events/{event_id}").status_code == 404


def test_event_cannot_end_before_it_starts(client):
    token = sign_up(client, "o@example.com")
    r = client.post("/v1/events", headers=auth(token), json=doc("event", {
        "name": "x", "starts-at": "2027-01-02T00:00:00Z", "ends-at": "2027-01-01T00:00:00Z"}))
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == "/data/attributes/ends-at"


def test_ticket_quantity_cannot_go_below_sold_count(client, db):
    from models.catalog.tables import Ticket

    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json=doc(
        "ticket", {"name": "Std", "quantity": 10}, {"event": ("event", event_id)}))
    ticket_id = r.get_json()["data"]["id"]
    with db.session() as s:
        s.get(Ticket, int(ticket_id)).sold_count = 6
        s.commit()
    r = client.patch(f"/v1/tickets/{ticket_id}", headers=auth(token),
                     json=doc("ticket", {"quantity": 5}, id_=ticket_id))
    assert r.status_code == 422
    assert error(r)["code"] == "quantity_below_sold"
    r = client.patch(f"/v1/tickets/{ticket_id}", headers=auth(token),
                     json=doc("ticket", {"quantity": 6}, id_=ticket_id))
    assert r.status_code == 200 and r.get_json()["data"]["attributes"]["max-order"] == 10


def test_non_owner_cannot_add_ticket_and_hidden_tickets_stay_hidden(client):
    owner = sign_up(client, "o@example.com")
    other = sign_up(client, "x@example.com")
    event_id = create_event(client, owner)
    r = client.post("/v1/tickets", headers=auth(other), json=doc(
        "ticket", {"name": "Std", "quantity": 1}, {"event": ("event", event_id)}))
    assert r.status_code == 403
    client.post("/v1/tickets", headers=auth(owner), json=doc(
        "ticket", {"name": "Crew", "quantity": 3, "is-hidden": True},
        {"event": ("event", event_id)}))
    assert client.get(f"/v1/events/{event_id}/tickets").get_json()["meta"]["count"] == 0
    r = client.get(f"/v1/events/{event_id}/tickets", headers=auth(owner))
    assert r.get_json()["meta"]["count"] == 1


def test_ticket_without_event_relationship_is_422(client):
    token = sign_up(client, "o@example.com")
    r = client.post("/v1/tickets", headers=auth(token),
                    json=doc("ticket", {"name": "Std", "quantity": 1}))
    assert r.status_code == 422
    assert error(r)["source"]["pointer"] == "/data/relationships/event"


def test_second_feedback_by_same_user_is_409(client):
    owner = sign_up(client, "o@example.com")
    event_id = create_event(client, owner)
    body = doc("feedback", {"rating": 4}, {"event": ("event", event_id)})
    assert client.post("/v1/feedbacks", headers=auth(owner), json=body).status_code == 201
    r = client.post("/v1/feedbacks", headers=auth(owner), json=body)
    assert r.status_code == 409 and error(r)["code"] == "duplicate_feedback"


def test_only_author_changes_feedback_and_rating_is_bounded(client):
    a = sign_up(client, "a@example.com")
    b = sign_up(client, "b@example.com")
    event_id = create_event(client, a)
    r = client.post("/v1/feedbacks", headers=auth(a),
                    json=doc("feedback", {"rating": "6"}, {"event": ("event", event_id)}))
    assert r.status_code == 422
    fid = client.post("/v1/feedbacks", headers=auth(a), json=doc(
        "feedback", {"rating": "3"}, {"event": ("event", event_id)})).get_json()["data"]["id"]
    r = client.patch(f"/v1/feedbacks/{fid}", headers=auth(b),
                     json=doc("feedback", {"rating": 1}, id_=fid))
    assert r.status_code == 403
    assert client.delete(f"/v1/feedbacks/{fid}", headers=auth(b)).status_code == 403
    assert client.delete(f"/v1/feedbacks/{fid}", headers=auth(a)).status_code == 204


def test_user_sees_own_allowed_usage_but_not_others(client):
    a = sign_up(client, "a@example.com")
    b = sign_up(client, "b@example.com")
    me = client.get("/v1/users/1", headers=auth(a)).get_json()["data"]["attributes"]
    assert me["allowed-usage"] == 200
    assert client.get("/v1/users/1", headers=auth(b)).status_code == 403


def test_openapi_and_docs_are_served(client):
    spec = client.get("/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/v1/feedbacks"]
    assert "Feedback" in spec["components"]["schemas"]
    page = client.get("/docs").get_data(as_text=True)
    assert "/v1/events/{event_id}" in page


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "ok"


def test_patch_changes_only_the_members_sent_never_resets_to_defaults(client):
    token = sign_up(client, "o@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json=doc("ticket", {
        "name": "VIP", "quantity": 10, "type": "paid", "price": 50, "max-order": 4,
        "is-hidden": True}, {"event": ("event", event_id)}))
    ticket_id = r.get_json()["data"]["id"]
    r = client.patch(f"/v1/tickets/{ticket_id}", headers=auth(token),
                     json=doc("ticket", {"quantity": 12}, id_=ticket_id))
    attrs = r.get_json()["data"]["attributes"]
    assert (attrs["quantity"], attrs["max-order"], attrs["type"], attrs["price"],
            attrs["is-hidden"]) == (12, 4, "paid", 50.0, True)
