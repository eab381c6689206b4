"""AMQP_USER / AMQP_PASSWORD: a deployment lists its broker nodes once (AMQP_URL) and
gives each process its own broker user; every node's URL then carries that user."""

from __future__ import annotations

from bus.connection import connection_parameters
from models.core.config import Config

NODES = "amqp://rabbit-1:5672/%2F,amqp://old:creds@rabbit-2/%2F"


def test_every_node_gets_the_process_user():
    config = Config.from_env({"AMQP_URL": NODES, "AMQP_USER": "venuebus-relay",
                              "AMQP_PASSWORD": "s3cret"})
    params = connection_parameters(config.amqp_url)
    assert [(p.host, p.credentials.username, p.credentials.password) for p in params] == [
        ("rabbit-1", "venuebus-relay", "s3cret"), ("rabbit-2", "venuebus-relay", "s3cret")]
    assert {p.virtual_host for p in params} == {"/"}
    assert config.broker_api == ("http://rabbit-1:15672", "venuebus-relay", "s3cret")


def test_a_password_with_url_characters_arrives_as_it_was_given():
    password = "p@ss:w/rd%?#"
    config = Config.from_env({"AMQP_URL": "amqp://rabbit/venue", "AMQP_USER": "a b",
                              "AMQP_PASSWORD": password})
    (params,) = connection_parameters(config.amqp_url)
    assert (params.host, params.virtual_host) == ("rabbit", "venue")
    assert (params.credentials.username, params.credentials.password) == ("a b", password)


def test_without_amqp_user_the_url_is_kept_as_written():
    env = {"AMQP_URL": NODES, "AMQP_PASSWORD": "ignored"}
    assert Config.from_env(env).amqp_url == NODES
