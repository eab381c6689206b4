"""The backend's broker users: one per role, so that a leaked consumer password cannot
publish domain events, and each process shows up under its own name on the broker.

Every backend process declares the whole topology (a queue with a dead-letter exchange
needs read on the queue and write on that exchange, `venuebus.retry`), so the relay and
the consumers may configure and read `venuebus.*`; what separates them is that only the
relay may write to the events exchange. No role may write to the default exchange
(`amq.default`): retries and dead letters go through `venuebus.retry`, replays through
`venuebus.replay`, each bound to the consumers' queues by name. The API's operator
page only lists and replays dead letters (read on the dead queues, write on the replay
exchange) and reads the management API (`monitoring`).
The provisioner creates device users through the management API (`administrator`).
README's rabbitmqctl lines state the same rights; tests/unit/test_compose.py holds
them equal."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from brokerops.admin import BrokerAdmin
from contracts.topology import QUEUES
from models.speakers.identity import broker_password_hash

DEFAULT_PREFIX = "venuebus-"
BACKEND = r"^venuebus\."
RELAY_WRITE = r"^venuebus\..*$"
CONSUMER_WRITE = r"^venuebus\.(?!events$).*$"


@dataclass(frozen=True)
class Role:
    """A backend role's broker user: its permissions on the vhost and its user tags."""

    name: str
    configure: str
    write: str
    read: str
    tags: str = ""

    @property
    def password_variable(self) -> str:
        """The environment variable that holds this role's password."""
        return f"{self.name.upper()}_AMQP_PASSWORD"


def backend_roles() -> tuple[Role, ...]:
    """The relay, the API and one role per consumer of the topology."""
    consumers = tuple(
        Role(name, BACKEND, CONSUMER_WRITE, BACKEND,
             "administrator" if name == "provisioner" else "")
        for name in QUEUES)
    return (Role("relay", BACKEND, RELAY_WRITE, BACKEND),
            Role("api", "^$", r"^venuebus\.replay$", r"^venuebus\..*\.dead$", "monitoring"),
            *consumers)


def grant_roles(admin: BrokerAdmin, vhost: str, passwords: Mapping[str, str], *,
                prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Create or update the user `<prefix><role>` of every backend role with its password
    (`passwords[role]`, handed over as the broker's salted hash), tags and permissions on
    `vhost`. Idempotent; a changed password replaces the old one. Returns the user names.
    Raises KeyError for a role without a password, BrokerAdminError when the management
    API refuses."""
    users = []
    for role in backend_roles():
        user = prefix + role.name
        admin.put_user(user, broker_password_hash(passwords[role.name]), role.tags)
        admin.set_permissions(vhost, user, configure=role.configure, write=role.write,
                              read=role.read)
        users.append(user)
    return users
