"""The Pi's setup server: the phone app posts Wi-Fi and pairing details during setup.

What the seed's server did wrong and this one does not: credentials travel only in JSON
bodies (a query string is refused), every request needs the setup token printed at first
boot, nothing is echoed back or logged, and Wi-Fi is applied by running nmcli with an
argument list (no shell), so quotes, `;`, `$()` or newlines in an SSID stay inside it.

Pairing hands the device everything it needs to run (its id, device token and its own
broker URL with its credentials, from the registration answer), and retires the setup
token: its file is emptied, and a server whose token is empty refuses every request, so
a paired Pi's setup server is closed until the token file is removed (factory reset).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

from device.config import AgentConfig, load_config, save_config, write_private

log = logging.getLogger(__name__)
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class SetupSettings:
    """`token_file`, when given, is where the token is retired after pairing."""

    token: str
    config_path: Path
    token_file: Path | None = None
    nmcli: list[str] = field(default_factory=lambda: ["nmcli"])
    nmcli_timeout_s: float = 45.0


class Refused(Exception):
    def __init__(self, status: int, code: str, title: str, pointer: str | None = None):
        super().__init__(title)
        self.status, self.code, self.title, self.pointer = status, code, title, pointer


def setup_token(path: Path) -> tuple[str, bool]:
    """The device's setup token, created (mode 600) at first boot. Returns (token, created);
    an empty token (a file emptied by pairing) means setup is closed."""
    path = Path(path)
    if path.exists():
        return path.read_text().strip(), False
    token = secrets.token_urlsafe(24)
    write_private(path, token + "\n")
    return token, True


def _error(exc: Refused) -> Response:
    err: dict[str, Any] = {"status": str(exc.status), "code": exc.code, "title": exc.title}
    if exc.pointer:
        err["source"] = {"pointer": exc.pointer}
    return Response(json.dumps({"errors": [err]}), status=exc.status,
                    mimetype="application/json")


def _text(body: dict, name: str, lo: int, hi: int, *, count_bytes: bool = False) -> str:
    """A string member within [lo, hi] characters (bytes for SSIDs); the value itself is
    never put in the error."""
    value = body.get(name)
    pointer = f"/{name}"
    if not isinstance(value, str):
        raise Refused(422, "invalid_value", f"{name} must be a string", pointer)
    size = len(value.encode()) if count_bytes else len(value)
    if not lo <= size <= hi:
        unit = "bytes" if count_bytes else "characters"
        raise Refused(422, "invalid_length", f"{name} must have {lo} to {hi} {unit}", pointer)
    if "\x00" in value:
        raise Refused(422, "invalid_value", f"{name} must not contain NUL", pointer)
    return value


def create_setup_app(settings: SetupSettings) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024
    current = {"token": settings.token.strip()}  # emptied once pairing succeeded

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        return _error(exc)

    @app.after_request
    def private(response: Response) -> Response:
        # answers may carry pairing details: no cache keeps them, no page frames them
        response.headers.update({"Cache-Control": "no-store", "X-Frame-Options": "DENY",
                                 "X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "default-src 'none'; "
                                                            "frame-ancestors 'none'"})
        return response

    @app.errorhandler(404)
    @app.errorhandler(405)
    @app.errorhandler(413)
    def http_error(exc):
        return _error(Refused(exc.code, "http_error", exc.name))

    @app.before_request
    def guard() -> None:
        if request.query_string:
            raise Refused(400, "no_query_parameters",
                          "Send settings in the JSON body, never in the URL")
        if not current["token"]:
            raise Refused(403, "setup_closed", "This device is paired; setup is closed")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), current["token"].encode()):
            raise Refused(401, "bad_setup_token", "Send 'Authorization: Bearer <setup token>'")

    def body() -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Refused(400, "invalid_json", "The body must be a JSON object")
        return data

    @app.post("/setup/wifi")
    def wifi():
        data = body()
        ssid = _text(data, "ssid", 1, 32, count_bytes=True)
        password = _text(data, "password", 8, 63)  # WPA2 passphrase rule
        argv = [*settings.nmcli, "device", "wifi", "connect", ssid, "password", password]
        try:
            done = subprocess.run(argv, shell=False, capture_output=True,
                                  timeout=settings.nmcli_timeout_s, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("nmcli could not run: %s", type(exc).__name__)
            raise Refused(502, "wifi_failed", "Could not apply the Wi-Fi settings") from None
        if done.returncode != 0:
            log.warning("nmcli exited with %d", done.returncode)  # its output may hold the SSID
            raise Refused(502, "wifi_failed", "Could not apply the Wi-Fi settings")
        log.info("wifi settings applied")
        return Response(status=204)

    @app.post("/setup/pair")
    def pair():
        data = body()
        api_url = _text(data, "api_url", 1, 2048)
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.username:
            raise Refused(422, "invalid_url", "api_url must be an http(s) URL without "
                          "credentials", "/api_url")
        device_id = data.get("device_id")
        device_id = str(device_id) if isinstance(device_id, int | str) else ""
        if not _DEVICE_ID.fullmatch(device_id):
            raise Refused(422, "invalid_value", "device_id must be 1-64 letters, digits, _ or -",
                          "/device_id")
        token = _text(data, "device_token", 16, 256)
        if any(c.isspace() for c in token):
            raise Refused(422, "invalid_value", "device_token must not contain spaces",
                          "/device_token")
        amqp_url = _broker_url(data)
        path = settings.config_path
        stored = _readable_config(path, device_id)
        save_config(path, stored.with_overrides(device_id=device_id, device_token=token,
                                                api_url=api_url, amqp_url=amqp_url))
        current["token"] = ""
        if settings.token_file is not None:
            write_private(settings.token_file, "")
        log.info("paired; setup token retired")
        return Response(status=204)

    return app


def _broker_url(data: dict) -> str:
    """The device's own broker URL (`amqp-url` of the registration answer): amqp(s), a
    host, and the device's user and password."""
    amqp_url = _text(data, "amqp_url", 1, 2048)
    parts = urlsplit(amqp_url)
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname or not parts.username \
            or not parts.password or any(c.isspace() for c in amqp_url):
        raise Refused(422, "invalid_url", "amqp_url must be the amqp(s) URL with the "
                      "device's user and password from its registration", "/amqp_url")
    return amqp_url


def _readable_config(path: Path, device_id: str) -> AgentConfig:
    """The stored config to pair over, or a fresh one: pairing is how a device with an
    unreadable config is set right again, so that file must not stand in its way."""
    if not os.path.exists(path):
        return AgentConfig(device_id=device_id)
    try:
        return load_config(path)
    except (OSError, ValueError, TypeError) as exc:
        log.warning("stored config unreadable (%r): pairing writes a fresh one", exc)
        return AgentConfig(device_id=device_id)
