"""The agent's settings and its config file. Broker connections are made by
`bus.connection.connection_parameters` (per-device credentials, a later issue, travel
in `amqp_url`)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from contracts.speaker_queries import DEFAULT_MEDIA_HOSTS
from contracts.speakers import command_keys, command_queue, state_key

DEFAULT_AMQP_URL = "amqp://guest:guest@localhost:5672/%2F"


@dataclass(frozen=True)
class AgentConfig:
    device_id: str
    device_token: str = ""
    amqp_url: str = DEFAULT_AMQP_URL
    api_url: str = ""
    aout: str | None = None
    audio_file: str | None = None
    state_dir: str = "var/device"
    report_every_s: float = 10.0  # state while playing (readers extrapolate the position)
    heartbeat_every_s: float = 15.0  # state while idle, so the API knows it is online
    # hosts (`host` or `host:port`) a play URL may name besides YouTube's; also the only
    # private or loopback addresses the device fetches from
    media_hosts: tuple[str, ...] = DEFAULT_MEDIA_HOSTS

    @property
    def queue(self) -> str:
        return command_queue(self.device_id)

    @property
    def state_key(self) -> str:
        return state_key(self.device_id)

    def command_keys(self) -> tuple[str, ...]:
        return command_keys(self.device_id)

    @property
    def handled_file(self) -> Path:
        return Path(self.state_dir) / f"handled-{self.device_id}.json"

    def with_overrides(self, **values: Any) -> AgentConfig:
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def load_config(path: Path) -> AgentConfig:
    """The agent config written at pairing (JSON). Unknown keys are ignored."""
    raw = json.loads(Path(path).read_text())
    known = {f.name for f in fields(AgentConfig)}
    if isinstance(raw.get("media_hosts"), list):  # JSON has no tuples
        raw["media_hosts"] = tuple(raw["media_hosts"])
    return AgentConfig(**{k: v for k, v in raw.items() if k in known})


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (0600 from creation on, never
    world-readable in between), replacing it atomically and durably: a Pi loses power,
    and a renamed file whose data never reached the card reads back empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename itself
        finally:
            os.close(folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_config(path: Path, config: AgentConfig) -> None:
    write_private(path, json.dumps(asdict(config), indent=2))
