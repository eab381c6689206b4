"""docker/compose.yaml and its three-node variant, checked without a Docker engine: every
process of the system has a service, every command is one the CLI accepts, every
long-running service has a healthcheck, every process is a broker user of its own role
and every secret comes from docker/.env."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest

from brokerops.roles import backend_roles
from contracts.topology import QUEUES, node_urls
from models.core.config import Config
from tests.support.compose import (
    BASE,
    CLUSTER,
    DOCKER,
    env_example,
    load,
    one_shot,
    ours,
    parse_command,
    references,
    strings,
)

ROOT = DOCKER.parent
VARIANTS = {"single": (BASE,), "cluster": (BASE, CLUSTER)}
SECRET = re.compile(r"(PASSWORD|PASS|SECRET_KEY|COOKIE)$")


@pytest.fixture(params=list(VARIANTS), scope="module")
def services(request) -> dict:
    return load(*VARIANTS[request.param])["services"]


def commands(services: dict) -> dict[str, list[str]]:
    return {name: s["command"] for name, s in services.items() if ours(s)}


def probe(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    return shlex.split(test[1]) if test[0] == "CMD-SHELL" else test[1:]


def test_every_consumer_of_the_topology_has_a_service(services):
    consumed = {c[1] for c in commands(services).values() if c[0] == "consume"}
    assert consumed == set(QUEUES)


def test_every_command_and_healthcheck_parses_with_the_real_cli(services):
    for name, argv in commands(services).items():
        parse_command(argv)
        if "healthcheck" in services[name]:
            check = probe(services[name])
            assert check[0] == "venuebus", name
            parse_command(check[1:])


def test_the_cli_parser_refuses_what_the_cli_would_refuse():
    for argv in (["consume", "statistics"], ["relay", "--metric-port", "1"],
                 ["expire-orders", "--poll-interval", "soon"], ["frobnicate"],
                 ["health", "127.0.0.1:9101"], ["db"]):
        with pytest.raises(click.UsageError):
            parse_command(argv)


def test_orders_expire_and_tables_are_pruned_somewhere(services):
    argvs = commands(services).values()
    assert any(a[0] == "expire-orders" for a in argvs)
    relays = [parse_command(a) for a in argvs if a[0] == "relay"]
    assert relays and all(ctx.params["prune"] for ctx in relays)


def test_every_long_running_service_has_a_healthcheck(services):
    config = {"services": services}
    assert one_shot(config) == {"migrate", "broker-users"}
    for name, service in services.items():
        if name not in one_shot(config):
            assert probe(service), name


def test_every_process_is_a_broker_user_of_its_own_role(services):
    roles = {f"venuebus-{r.name}": r for r in backend_roles()}
    users = {}
    for name, service in services.items():
        env = service.get("environment") or {}
        if "AMQP_URL" not in env:
            continue
        assert all(urlsplit(u).username is None for u in node_urls(env["AMQP_URL"])), name
        if name == "broker-users":  # the administrator, to create the role users
            assert env["AMQP_USER"] == "${RABBITMQ_DEFAULT_USER}"
            assert {f"${{{r.password_variable}}}" for r in roles.values()} <= \
                set(env.values())
            continue
        role = roles[env["AMQP_USER"]]
        assert env["AMQP_PASSWORD"] == f"${{{role.password_variable}}}", name
        users[name] = env["AMQP_USER"]
    consumers = {f"venuebus-{c}" for c in QUEUES}
    assert set(users.values()) == set(roles)
    assert consumers <= set(users.values())


def test_every_process_logs_into_the_database_as_its_role(services):
    """Only the migration job is the schema's owner (POSTGRES_USER); it grants every
    role, and each process logs in as the one for its work (models/core/db_roles.py)."""
    from models.core.db_roles import DB_ROLES

    kinds = {"api": "api", "relay": "relay", "expire-orders": "expire", "consume": "consumer"}
    logins = {}
    for name, service in services.items():
        env = service.get("environment") or {}
        if "DATABASE_URL" not in env:
            continue
        url = urlsplit(env["DATABASE_URL"])
        if name == "migrate":
            assert (url.username, url.password) == ("${POSTGRES_USER}", "${POSTGRES_PASSWORD}")
            assert service["command"] == ["db", "upgrade", "--roles"]
            assert {f"${{{r.password_variable}}}" for r in DB_ROLES} <= set(env.values())
            continue
        role = kinds[service["command"][0]]
        assert url.username == f"venuebus_{role}", name
        assert url.password == f"${{{role.upper()}_DB_PASSWORD}}", name
        logins[name] = role
    assert set(logins.values()) == {r.name for r in DB_ROLES}
    assert not [s for s in strings(services) if "${POSTGRES_PASSWORD}@" in s
                and s != services["migrate"]["environment"]["DATABASE_URL"]]


def test_no_service_uses_guest(services):
    assert not [s for s in strings(services) if "guest" in s.lower()]
    assert not [v for v in env_example().values() if "guest" in v.lower()]
    # the broker's first user is ours, so RabbitMQ creates no guest at all
    for service in services.values():
        if service.get("image", "").startswith("rabbitmq:"):
            assert service["environment"]["RABBITMQ_DEFAULT_USER"] == \
                "${RABBITMQ_DEFAULT_USER}"


def test_every_variable_used_is_in_env_example():
    assert references(BASE, CLUSTER) - set(env_example()) == set()
    # and the example lists nothing the deployment does not read
    assert set(env_example()) - references(BASE, CLUSTER) == set()


def test_no_secret_is_written_in_a_committed_file(services):
    example = env_example()
    secrets = {name for name in example if SECRET.search(name)}
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "RABBITMQ_ERLANG_COOKIE"} <= secrets
    assert {name: example[name] for name in secrets if example[name]} == {}
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key):
                assert re.fullmatch(r"\$\{[A-Z0-9_]+\}", str(value)), (name, key)
            assert not re.search(r"://[^/@\s]*:[^/@$\s]+@", str(value)), (name, key)


def test_the_cluster_nodes_share_cookie_and_peer_list():
    services = load(BASE, CLUSTER)["services"]
    nodes = {n: s for n, s in services.items() if s.get("image", "").startswith("rabbitmq:")}
    assert len(nodes) == 3
    hosts = {s["hostname"] for s in nodes.values()}
    assert len(hosts) == 3
    mounts = set()
    for service in nodes.values():
        assert service["environment"]["RABBITMQ_ERLANG_COOKIE"] == "${RABBITMQ_ERLANG_COOKIE}"
        conf = [v for v in service["volumes"] if v.endswith(":/etc/rabbitmq/conf.d/"
                                                            "20-cluster.conf:ro")]
        assert len(conf) == 1
        mounts.add(conf[0].split(":")[0])
    assert len(mounts) == 1
    first = [n for n, s in nodes.items() if "depends_on" not in s]
    assert len(first) == 1  # the others join it once it is up
    assert all(set(s["depends_on"]) == set(first) for n, s in nodes.items() if n != first[0])
    conf = (DOCKER / mounts.pop()).read_text()
    settings = dict(line.split(" = ") for line in conf.splitlines()
                    if line and not line.startswith("#"))
    assert settings.pop("cluster_formation.peer_discovery_backend") == "classic_config"
    assert set(settings.values()) == {f"rabbit@{h}" for h in hosts}
    clients = [s["environment"] for s in services.values()
               if "AMQP_URL" in (s.get("environment") or {})]
    assert len(clients) == 1 + len(backend_roles())
    for env in clients:
        assert {urlsplit(u).hostname for u in node_urls(env["AMQP_URL"])} == hosts
        assert Config.from_env({"AMQP_URL": env["AMQP_URL"],
                                **{k: v for k, v in env.items() if k.startswith("QUORUM")}}
                               ).queue_replicas == 3


def test_readme_rabbitmqctl_lines_grant_what_broker_users_grants():
    readme = (ROOT / "README.md").read_text()
    granted = {}
    for line in re.findall(r"rabbitmqctl set_permissions(?:.*\\\n)*.*", readme):
        words = shlex.split(line.replace("\\\n", " "))
        if words[4].startswith("venuebus-"):
            granted[words[4]] = tuple(words[5:8])
    roles = {f"venuebus-{r.name}": (r.configure, r.write, r.read) for r in backend_roles()}
    assert {"venuebus-relay", "venuebus-ratings", "venuebus-api"} <= set(granted)
    assert all(roles[user] == rights for user, rights in granted.items())


def test_the_image_holds_every_package_of_the_project():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    pyproject = (ROOT / "pyproject.toml").read_text()
    packages = re.search(r"include = \[([^\]]*)\]", pyproject).group(1)
    assert {p.strip(' "*') for p in packages.split(",")} <= copied


def test_only_the_processes_that_sign_or_verify_get_the_secret_key(services):
    from cli.messaging import SIGNERS

    holders = {name for name, s in services.items() if ours(s)
               and "SECRET_KEY" in (s.get("environment") or {})}
    signers = {"api"} | {name for name, s in services.items() if ours(s)
                         and s["command"][:1] == ["consume"] and s["command"][1] in SIGNERS}
    assert holders == signers == {"api", "mail"}


def test_compose_paths_exist():
    for path in (BASE, CLUSTER):
        for volume in re.findall(r"\./[\w.-]+", path.read_text()):
            assert (DOCKER / volume).exists(), volume
    assert Path(DOCKER / "Dockerfile").exists()
