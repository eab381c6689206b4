"""Signing in to the pages through Flask's test client: the CSRF token the page carries."""

from __future__ import annotations

import re


def csrf_token(client, path: str = "/signin") -> str:
    """The CSRF token of the page at `path` (from its `csrf-token` meta tag)."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html)[1]
