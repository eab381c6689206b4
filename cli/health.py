"""`venuebus health URL`: a container healthcheck without curl (the image has none)."""

from __future__ import annotations

import socket
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import click


def healthy(url: str, timeout: float) -> str | None:
    """None when `url` answers: an http(s) URL with a 2xx status, a tcp://host:port
    address by accepting a connection. Otherwise why not."""
    parts = urlsplit(url)
    try:
        if parts.scheme == "tcp":
            with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
                return None
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310
            return None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return repr(exc)


def _target(_ctx, _param, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "tcp") or not parts.hostname or \
            (parts.scheme == "tcp" and not parts.port):
        raise click.BadParameter("an http(s)://HOST... URL or tcp://HOST:PORT")
    return url


@click.command()
@click.argument("url", callback=_target)
@click.option("--timeout", default=3.0, show_default=True, help="seconds")
def health(url: str, timeout: float) -> None:
    """Exit 0 when URL answers (http://...: a 2xx status; tcp://HOST:PORT: a connection
    is accepted), else print why and exit 1. The API serves /readyz; the relay, each
    consumer and expire-orders serve /metrics on --metrics-port."""
    problem = healthy(url, timeout)
    if problem:
        click.echo(f"unhealthy: {url}: {problem}", err=True)
        sys.exit(1)
