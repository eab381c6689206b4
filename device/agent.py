"""The speaker agent: commands from the device's own queue drive the player; the player's
state goes back out on `speaker.<id>.state`.

A command past its expiry, or whose id was handled before, is dropped. The broker link
(the shared consume runtime) reconnects on its own while the player keeps playing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from contracts.envelope import dumps, envelope
from contracts.speakers import (
    BadCommand,
    PlayOnSpeaker,
    SetSpeakerVolume,
    SpeakerCommand,
    SpeakerStateReported,
    read_command,
    state_source,
)
from device.commands import HandledCommands
from device.config import AgentConfig
from device.link import Link, RuntimeLink
from device.player import Player, vlc_arguments
from device.resolver import Resolver, YtDlpResolver
from device.state import PlayerState

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class Agent:
    """`Agent(config).start()`; `close()` on SIGTERM. Dependencies are injectable."""

    def __init__(self, config: AgentConfig, *, resolver: Resolver | None = None,
                 link: Link | None = None, clock: Callable[[], datetime] = _now) -> None:
        self.config = config
        self.clock = clock
        self.link = link or RuntimeLink(config)
        self.handled = HandledCommands(config.handled_file)
        self.player = Player(resolver or YtDlpResolver(allowed_hosts=config.media_hosts),
                             self._publish_state,
                             vlc_args=vlc_arguments(config.aout, config.audio_file),
                             report_every=config.report_every_s)
        self._sequence = 0
        self._seq_lock = threading.Lock()
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def start(self) -> None:
        self.player.start()
        self.link.start(self.on_message)
        self._heartbeat.start()

    def close(self) -> None:
        """Stop taking commands, stop the song, say so, and disconnect."""
        self._stopping.set()
        self.player.close()
        self._publish_state(PlayerState(status="stopped", volume=self.player.state.volume))
        self.link.close()

    def wait(self) -> None:
        self._stopping.wait()

    # -- commands (broker link thread) ---------------------------------------------------
    def on_message(self, routing_key: str, body: bytes) -> None:
        try:
            command = read_command(body, routing_key, self.config.device_id)
        except BadCommand as exc:
            log.warning("dropped a message on %s: %s", routing_key, exc)
            return
        if command.command_id in self.handled:
            self._drop(command, "duplicate")
        elif command.expired(self.clock()):
            self.handled.add(command.command_id)
            self._drop(command, "expired")
        else:
            self.handled.add(command.command_id)  # before acting: a redelivery is a no-op
            self.obey(command)

    def obey(self, command: SpeakerCommand) -> None:
        p, cid = self.player, command.command_id
        if isinstance(command, PlayOnSpeaker):
            p.play(command.query, command_id=cid)
        elif isinstance(command, SetSpeakerVolume):
            p.volume(command.level, command_id=cid)
        else:
            getattr(p, command.command)(command_id=cid)
        log.info("command %s %s", command.command, cid)

    def _drop(self, command: SpeakerCommand, reason: str) -> None:
        log.info("dropped %s command %s: %s", command.command, command.command_id, reason)

    # -- state (player thread, heartbeat thread) ------------------------------------------
    def _publish_state(self, state: PlayerState) -> None:
        with self._seq_lock:
            self._sequence += 1
            sequence = self._sequence
        now = self.clock()
        report = SpeakerStateReported(speaker_id=self.config.device_id, **state.to_dict(),
                                      sequence=sequence, reported_at=now.isoformat())
        doc = envelope(report, time=now, source=state_source(self.config.device_id))
        self.link.publish(report.key(), dumps(doc).encode(), doc["id"], doc["type"])

    def _beat(self) -> None:
        while not self._stopping.wait(self.config.heartbeat_every_s):
            if self.player.state.status != "playing":  # the player reports while playing
                self._publish_state(self.player.state)
