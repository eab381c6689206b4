"""BASE_URL for the processes that build links: the API and the mail consumer.

Outside --dev they refuse to start without it rather than fall back to relative links:
a mailed badge link has no request to be relative to, and a default such as
http://127.0.0.1:8000 would go out in every mail, silently wrong. One setting, checked at
start, gives the API's links, Locations and the mails the same absolute origin, and none
of them ever comes from a request's Host header. Exit code EX_CONFIG, as for SECRET_KEY."""

from __future__ import annotations

import os
import sys

import click

from models.core.config import Config


def checked_base_url(config: Config, dev: bool, host: str, port: int) -> Config:
    """`config` if BASE_URL is set; with `dev` one on http://host:port; else exits."""
    if os.environ.get("BASE_URL"):
        return config
    if not dev:
        click.secho("BASE_URL is unset: refusing to start. Links, redirects and mailed "
                    "badge URLs are built from it, never from the request's Host header.\n"
                    "Set BASE_URL to the public URL of the API, e.g. "
                    "BASE_URL=https://tickets.example.org (or start with --dev).",
                    fg="red", err=True)
        sys.exit(os.EX_CONFIG)
    return config.with_(base_url=f"http://{host}:{port}")
