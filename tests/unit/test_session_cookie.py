"""The pages' session cookie with its signer built once per key (api/session_cookie.py):
a request without a cookie still gets a session that is saved when written, and a change
of the secret key is seen at once: a cookie signed with the old key is refused unless
that key is among the fallbacks."""

from __future__ import annotations

from flask import Flask, session

from api.session_cookie import SessionCookies


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "first-key-" + "x" * 40
    app.session_interface = SessionCookies()

    @app.post("/remember/<value>")
    def remember(value: str):
        session["value"] = value
        return "ok"

    @app.get("/recall")
    def recall():
        return session.get("value", "nothing")

    return app


def test_without_a_cookie_a_written_session_is_saved():
    client = _app().test_client()
    assert client.get("/recall").text == "nothing"
    assert "session=" in client.post("/remember/door").headers["Set-Cookie"]
    assert client.get("/recall").text == "door"


def test_a_new_secret_key_refuses_the_old_cookie_unless_it_is_a_fallback():
    app = _app()
    client = app.test_client()
    client.post("/remember/door")
    old = app.secret_key
    app.secret_key = "second-key-" + "y" * 40
    assert client.get("/recall").text == "nothing"  # not the stale signer
    app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert client.get("/recall").text == "door"


def test_a_forged_cookie_opens_nothing():
    client = _app().test_client()
    client.set_cookie("session", "eyJ2YWx1ZSI6ImFkbWluIn0.forged.signature")
    assert client.get("/recall").text == "nothing"
