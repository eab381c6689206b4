"""Every error status leaves the API as a JSON:API error document."""

from __future__ import annotations

from api.app import create_app
from models.core.db import Database
from tests.support.api import assert_error, auth, create_event, doc, sign_up
from tests.support.processes import free_port


def test_body_that_is_not_json_is_400(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", data="{not json", headers=auth(token))
    assert_error(r, 400, "invalid_json")


def test_json_that_is_not_a_jsonapi_document_is_400(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", json={"name": "x"}, headers=auth(token))
    assert_error(r, 400, "not_jsonapi", "/data")


def test_missing_attribute_is_422_with_pointer(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", headers=auth(token),
                    json=doc("event", {"name": "x", "starts-at": "2027-01-01T00:00:00Z"}))
    assert_error(r, 422, "invalid_attribute", "/data/attributes/ends-at")


def test_known_attribute_with_bad_value_is_422_and_creates_nothing(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", headers=auth(token), json=doc("event", {
        "name": "x", "starts-at": "yesterday", "ends-at": "2027-01-01T00:00:00Z"}))
    assert_error(r, 422, pointer="/data/attributes/starts-at")
    assert client.get("/v1/events").get_json()["meta"]["count"] == 0


def test_unknown_attributes_are_ignored_and_leave_no_trace(client):
    token = sign_up(client, "a@example.com")
    known = {"name": "PyCon", "starts-at": "2027-03-01T09:00:00Z",
             "ends-at": "2027-03-02T18:00:00Z"}
    plain = create_event(client, token)
    r = client.post("/v1/events", headers=auth(token), json=doc("event", {
        **known, "no-such-field": 1, "owner-id": 999, "average-rating": 5}))  # last: read-only
    assert r.status_code == 201, r.get_json()
    stored = client.get(f"/v1/events/{r.get_json()['data']['id']}").get_json()["data"]
    attrs = stored["attributes"]
    assert (attrs["name"], attrs["starts-at"][:16], attrs["ends-at"][:16]) == (
        "PyCon", "2027-03-01T09:00", "2027-03-02T18:00")
    assert "no-such-field" not in attrs and attrs["average-rating"] is None
    reference = client.get(f"/v1/events/{plain}").get_json()["data"]
    assert attrs.keys() == reference["attributes"].keys()
    assert stored["relationships"] == reference["relationships"]  # owner: the signed-in user


def test_snake_case_input_and_string_numbers_are_accepted(client):
    token = sign_up(client, "a@example.com")
    event_id = create_event(client, token)
    r = client.post("/v1/tickets", headers=auth(token), json=doc("ticket", {
        "name": "Standard", "quantity": "25", "max_order": "5", "is_hidden": "false"},
        {"event": ("event", event_id)}))
    assert r.status_code == 201, r.get_json()
    attrs = r.get_json()["data"]["attributes"]
    assert (attrs["quantity"], attrs["max-order"], attrs["is-hidden"]) == (25, 5, False)


def test_type_that_does_not_match_endpoint_is_409(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", headers=auth(token), json=doc("ticket", {"name": "x"}))
    assert_error(r, 409, "type_mismatch", "/data/type")


def test_unknown_id_is_404(client):
    assert_error(client.get("/v1/events/999"), 404, "not_found")
    assert_error(client.get("/v1/nowhere"), 404)


def test_no_token_is_401_and_bad_token_is_401(client):
    r = client.post("/v1/events", json=doc("event", {"name": "x"}))
    assert_error(r, 401, "missing_token")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.post("/v1/events", json=doc("event", {"name": "x"}),
                    headers={"Authorization": "Bearer not-a-jwt"})
    assert_error(r, 401, "bad_token")


def test_open_event_jwt_scheme_is_accepted(client):
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/events", headers={"Authorization": f"JWT {token}"}, json=doc("event", {
        "name": "x", "starts-at": "2027-01-01T00:00:00Z", "ends-at": "2027-01-02T00:00:00Z"}))
    assert r.status_code == 201


def test_non_owner_cannot_patch_event(client):
    owner = sign_up(client, "owner@example.com")
    other = sign_up(client, "other@example.com")
    event_id = create_event(client, owner)
    r = client.patch(f"/v1/events/{event_id}", headers=auth(other),
                     json=doc("event", {"name": "Mine now"}, id_=event_id))
    assert_error(r, 403, "forbidden")
    assert client.get(f"/v1/events/{event_id}").get_json()["data"]["attributes"]["name"] == "PyCon"


def test_method_not_allowed_is_405(client):
    r = client.put("/v1/events")
    assert_error(r, 405)
    assert "GET" in r.headers["Allow"]


def test_body_over_the_limit_is_413(client):
    token = sign_up(client, "a@example.com")
    big = "x" * (2 * 1024 * 1024)
    r = client.post("/v1/events", headers=auth(token),
                    json=doc("event", {"name": "n", "description": big}))
    assert_error(r, 413)


def test_second_signup_with_same_email_is_409(client):
    sign_up(client, "a@example.com")
    r = client.post("/v1/users", json=doc("user", {"email": "A@example.com",
                                                   "password": "password123"}))
    assert_error(r, 409, "email_taken")


def test_wrong_password_is_401(client):
    sign_up(client, "a@example.com")
    r = client.post("/auth/session", json={"email": "a@example.com", "password": "nope-nope"})
    assert_error(r, 401, "invalid_credentials")


def test_bad_page_parameter_is_400(client):
    r = client.get("/v1/events?page[size]=501")
    err = assert_error(r, 400, "invalid_page_parameter")
    assert err["source"]["parameter"] == "page[size]"


def test_numbers_too_large_for_their_columns_are_422_not_500(client):
    token = sign_up(client, "a@example.com")
    event_id = create_event(client, token)
    for attrs in ({"price": 1e20}, {"price": 1e300}, {"max-order": 10**12},
                  {"quantity": 10**12}):
        r = client.post("/v1/tickets", headers=auth(token), json=doc(
            "ticket", {"name": "Std", "quantity": 5, "type": "paid", **attrs},
            {"event": ("event", event_id)}))
        assert_error(r, 422)


def test_a_value_the_column_cannot_hold_is_422(client, db):
    """The last line of defence when validation misses a range: DataError -> 422."""
    token = sign_up(client, "a@example.com")
    r = client.post("/v1/admin/users/1/allowed-usage", headers=auth(token),
                    json=doc("user-allowed-usage", {"allowed-usage": 1}))
    assert r.status_code == 403  # not an admin: nothing reaches the database
    from models.accounts.tables import User

    with db.session() as s:
        user = s.get(User, 1)
        user.is_admin, user.allowed_usage = True, 2**31 - 1  # the column's largest value
        s.commit()
    r = client.post("/v1/admin/users/1/allowed-usage", headers=auth(token),
                    json=doc("user-allowed-usage", {"allowed-usage": 1}))
    assert_error(r, 422, "value_out_of_range")
    with db.session() as s:
        assert s.get(User, 1).allowed_usage == 2**31 - 1


def test_database_down_during_auth_is_503_not_a_bad_token(client, config):
    """A valid token while the database refuses connections: the token is not to blame."""
    token = sign_up(client, "a@example.com")
    down = Database(config.with_(
        database_url=f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/venuebus"))
    try:
        r = create_app(down.config, down).test_client().post(
            "/v1/events", headers=auth(token), json=doc("event", {"name": "x"}))
    finally:
        down.dispose()
    assert r.status_code != 401
    assert_error(r, 503, "database_unavailable")
    assert r.headers["Retry-After"]


def test_a_token_verified_before_is_refused_once_it_expires(app, client):
    """The door trusts its cache of verified tokens for the signature, never past `exp`:
    on the app's clock (injected here: no waiting on the real one)."""
    import jwt

    sign_up(client, "door@example.com")
    secret = app.extensions["venuebus"].config.secret_key
    now = 2_000_000_000.0
    app.extensions["venuebus"].clock = lambda: now
    token = jwt.encode({"sub": "1", "iat": 1_700_000_000, "exp": int(now) + 2,
                        "iss": "venuebus", "ver": 0}, secret, algorithm="HS256")
    r = client.post("/v1/attendees/999999/check-in", headers=auth(token))
    assert_error(r, 404)  # verified (and remembered); no such attendee
    now += 1.9
    assert_error(client.post("/v1/attendees/999999/check-in", headers=auth(token)), 404)
    now += 0.1  # at `exp`: expired, for the remembered token as for a fresh one
    r = client.post("/v1/attendees/999999/check-in", headers=auth(token))
    assert_error(r, 401, "token_expired")
    fresh = jwt.encode({"sub": "1", "iat": 1_700_000_000, "exp": int(now) - 1,
                        "iss": "venuebus", "ver": 0}, secret, algorithm="HS256")
    assert_error(client.post("/v1/attendees/999999/check-in", headers=auth(fresh)), 401,
                 "token_expired")  # valid by the real clock, expired by the app's
    forged = jwt.encode({"sub": "1", "iat": 1_700_000_000, "exp": int(now) + 60,
                         "iss": "venuebus"},
                        "another-secret-0123456789abcdef0123", algorithm="HS256")
    assert_error(client.post("/v1/attendees/999999/check-in", headers=auth(forged)), 401,
                 "bad_token")
