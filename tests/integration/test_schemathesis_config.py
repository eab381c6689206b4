"""schemathesis.toml (the live run's config, README "Security") names operations that
exist: a renamed path would silently drop its exception, or stop excluding logout, which
ends the run's session and leaves half the API seeing only 401."""

from __future__ import annotations

import tomllib
from pathlib import Path

from schemathesis.config import SchemathesisConfig

CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"


def test_every_operation_the_config_names_is_in_the_document(client):
    spec = client.get("/v1/openapi.json").get_json()
    SchemathesisConfig.from_path(CONFIG)  # schemathesis reads it (it validates the file)
    entries = tomllib.loads(CONFIG.read_text())["operations"]
    # an entry names one operation: "METHOD /path" (path and method filters would be ORed)
    assert all(set(e) <= {"include-name", "enabled", "checks"} for e in entries)
    named = {(e["include-name"].split()[1], e["include-name"].split()[0].lower()): e
             for e in entries}
    assert named[("/v1/auth/logout", "post")]["enabled"] is False
    for path, method in named:
        assert method in spec["paths"].get(path, {}), f"{method} {path} is not documented"


def test_orders_document_onsite_and_the_attendee_rule(client):
    op = client.get("/v1/openapi.json").get_json()["paths"]["/v1/orders"]["post"]
    [onsite] = [p for p in op["parameters"] if p["name"] == "onsite"]
    assert onsite["in"] == "query" and "attendees_missing" in onsite["description"]
