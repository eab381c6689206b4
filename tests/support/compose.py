"""Reading docker/'s compose files as Docker Compose would (no engine runs here): YAML
with merge keys, an override file merged into the base, ${VARIABLE} references, and a
service's command parsed by the real `venuebus` command line."""

from __future__ import annotations

import re
from pathlib import Path

import click
import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"
BASE = DOCKER / "compose.yaml"
CLUSTER = DOCKER / "compose.cluster.yaml"
ENV_EXAMPLE = DOCKER / "env.example"
# a single `$` starts a reference; `$$` is a literal dollar for the container's shell
_REFERENCE = re.compile(r"(?<!\$)(?:\$\$)*\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}")
# lists Compose merges by adding to them; any other value of an override replaces
_ADDED_LISTS = ("volumes", "ports")


def merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        elif key in _ADDED_LISTS and isinstance(merged.get(key), list):
            merged[key] = merged[key] + [v for v in value if v not in merged[key]]
        else:
            merged[key] = value
    return merged


def load(*files: Path) -> dict:
    """The services (and the rest) of `files`, each later file merged into the earlier."""
    config: dict = {}
    for path in files:
        config = merge(config, yaml.safe_load(path.read_text()))
    return config


def strings(value) -> list[str]:
    """Every key and scalar in a loaded YAML document, as text."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [str(value)]


def references(*files: Path) -> set[str]:
    """Every variable a ${...} reference in `files` reads from docker/.env (Compose
    interpolates the values, not the comments)."""
    return {name for path in files for text in strings(yaml.safe_load(path.read_text()))
            for name in _REFERENCE.findall(text)}


def env_example() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in ENV_EXAMPLE.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def ours(service: dict) -> bool:
    """A service run from our image, whose command is a `venuebus` command line."""
    return "build" in service


def one_shot(config: dict) -> set[str]:
    """Services others wait to complete (migrate, broker-users): they are not long-running."""
    return {name for s in config["services"].values()
            for name, cond in (s.get("depends_on") or {}).items()
            if cond.get("condition") == "service_completed_successfully"}


def parse_command(argv: list[str]) -> click.Context:
    """The context of the `venuebus` command `argv` names, after the real parser read
    every option and argument (types, choices and callbacks included) without running
    it. Raises click.UsageError (a subclass) for an unknown command, option or value."""
    from cli.main import main

    ctx = main.make_context("venuebus", list(argv))
    command: click.Command = main
    while isinstance(command, click.Group):
        args = [*ctx._protected_args, *ctx.args]
        if not args:
            raise click.UsageError("no subcommand", ctx)
        name, command, rest = command.resolve_command(ctx, args)
        ctx = command.make_context(name, rest, parent=ctx)
    return ctx
