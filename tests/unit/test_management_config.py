"""Where the management client points: BROKER_API_URL/USER/PASSWORD when set (the
setting the speaker provisioner reads too), else AMQP_URL's host and credentials on port
15672; the vhost is always AMQP_URL's."""

from __future__ import annotations

import inspect

from brokerops.management import RELAY_CONNECTION_NAME, ManagementClient
from models.core.config import Config
from producers.publisher import ConfirmingPublisher


def test_defaults_follow_the_amqp_url():
    client = ManagementClient.from_config(Config.from_env({
        "AMQP_URL": "amqp://ops:p%40ss@rabbit.example:5673/venue%2Fhost"}))
    assert client.base_url == "http://rabbit.example:15672"
    assert client.vhost == "venue/host"
    assert client._auth == ManagementClient("x", "ops", "p@ss", "v")._auth


def test_default_vhost_is_the_root_one():
    client = ManagementClient.from_config(Config())
    assert (client.base_url, client.vhost) == ("http://localhost:15672", "/")


def test_an_explicit_management_url_wins_with_its_credentials():
    client = ManagementClient.from_config(Config.from_env({
        "AMQP_URL": "amqp://guest:guest@rabbit.example/events",
        "BROKER_API_URL": "https://mgmt.example:443/rabbit/", "BROKER_API_USER": "monitor",
        "BROKER_API_PASSWORD": "secret"}))
    assert client.base_url == "https://mgmt.example:443/rabbit"
    assert client.vhost == "events"
    assert client._auth == ManagementClient("x", "monitor", "secret", "v")._auth


def test_the_relay_is_recognised_by_the_name_its_publisher_gives_its_connection():
    default = inspect.signature(ConfirmingPublisher).parameters["name"].default
    assert default == RELAY_CONNECTION_NAME
