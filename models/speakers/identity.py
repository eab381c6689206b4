"""A speaker's broker identity: user `<prefix><id>`, password = its device token.

Only the broker's own salted hash of the token is stored (beside the API's token_hash):
the provisioner hands that hash to the management API, so no event, row or log ever
carries the password itself."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import quote, urlsplit, urlunsplit

from models.core.config import Config


def broker_password_hash(password: str) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256` form: base64(salt + sha256(salt +
    password)) with a 4-byte random salt, as `PUT /api/users/<name>` takes it."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def broker_user(config: Config, speaker_id: int | str) -> str:
    return f"{config.speaker_user_prefix}{speaker_id}"


def device_amqp_url(config: Config, speaker_id: int | str, token: str) -> str:
    """The device's full broker URL, `amqp://<user>:<token>@host:port/vhost` (one per
    node, comma-separated, in a cluster)."""
    login = f"{quote(broker_user(config, speaker_id), safe='')}:{quote(token, safe='')}@"
    return ",".join(urlunsplit(parts._replace(netloc=login + parts.netloc))
                    for parts in map(urlsplit, config.device_amqp_url.split(",")))
