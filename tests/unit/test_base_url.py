"""BASE_URL is the origin every link is built from: an http(s) URL of a host, perhaps
with a path prefix, never credentials, a query or a fragment."""

from __future__ import annotations

import pytest

from models.core.config import Config


@pytest.mark.parametrize("given,kept", [
    ("https://tickets.example.org", "https://tickets.example.org"),
    ("https://tickets.example.org/", "https://tickets.example.org"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ("https://example.org/tickets/", "https://example.org/tickets")])
def test_a_base_url_is_kept_without_its_trailing_slash(given, kept):
    assert Config(base_url=given).base_url == kept
    assert Config.from_env({"BASE_URL": given}).base_url == kept


@pytest.mark.parametrize("bad", ["tickets.example.org", "ftp://example.org", "https://",
                                 "https://user:pw@example.org", "https://example.org/?a=1",
                                 "https://example.org/#x", "javascript:alert(1)", "//evil"])
def test_a_base_url_that_is_not_an_origin_is_refused(bad):
    with pytest.raises(ValueError, match="BASE_URL"):
        Config(base_url=bad)


def test_unset_base_url_is_the_api_address_and_metrics_sit_beside_it():
    config = Config.from_env({"API_HOST": "127.0.0.1", "API_PORT": "9000"})
    assert (config.base_url, config.metrics_port) == ("http://127.0.0.1:9000", 9100)
    assert Config.from_env({"METRICS_PORT": "0"}).metrics_port == 0
