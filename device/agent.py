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
from pathlib import Path

from contracts.envelope import dumps, envelope
from contracts.speakers import (
    BadCommand,
    PlayOnSpeaker,
    SeekSpeaker,
    SetSpeakerVolume,
    SpeakerCommand,
    SpeakerStateReported,
    SyncSpeakerQueue,
    read_command,
    state_source,
)
from device.clock import ClockOffset
from device.commands import HandledCommands
from device.config import AgentConfig
from device.link import Link, RuntimeLink
from device.player import Player, vlc_arguments
from device.queue import DeviceQueue
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
        self.clock_offset = ClockOffset()
        self.queue = DeviceQueue(Path(config.state_dir) / f"queue-{config.device_id}.json")
        self._prefetched_after: int | None = None
        self.player = Player(resolver or YtDlpResolver(allowed_hosts=config.media_hosts),
                             self._publish_state,
                             vlc_args=vlc_arguments(config.aout, config.audio_file),
                             report_every=config.report_every_s,
                             on_ended=self._play_following)
        self._sequence = 0
        self._seq_lock = threading.Lock()
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def start(self) -> None:
        resume = self.queue.resume_point()  # before the player's first (idle) state
        self.player.start()
        if resume is not None:  # rebooted while playing the queue: go on where it was
            item_id, query, position_ms = resume
            self.player.play(query, item_id=item_id, start_ms=position_ms)
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
        now = self.clock()
        self.clock_offset.observe(datetime.fromisoformat(command.issued_at), now,
                                  command.group_id)
        if command.command_id in self.handled:
            self._drop(command, "duplicate")
        elif command.expired(now):
            self.handled.add(command.command_id)
            self._drop(command, "expired")
        else:
            self.handled.add(command.command_id)  # before acting: a redelivery is a no-op
            self.obey(command)

    def obey(self, command: SpeakerCommand) -> None:
        p, cid = self.player, command.command_id
        start_in = self._start_in(command)
        if isinstance(command, SyncSpeakerQueue):
            self._take_queue(command)
        elif isinstance(command, PlayOnSpeaker):
            # a group queue's song: its end is reported, the backend sends what follows
            group_play = cid if command.group_item_id is not None else None
            p.play(command.query, command_id=cid, start_in=start_in, group_play_id=group_play)
            if command.prefetch:
                p.prefetch(command.prefetch)
        elif command.command == "resume":
            p.resume(command_id=cid, start_in=start_in)
        elif isinstance(command, SetSpeakerVolume):
            p.volume(command.level, command_id=cid)
        elif isinstance(command, SeekSpeaker):
            p.seek(command.position_ms, command_id=cid)
        else:
            getattr(p, command.command)(command_id=cid)
        log.info("command %s %s", command.command, cid)

    def _start_in(self, command: SpeakerCommand) -> float | None:
        """Seconds from now until a group's start time on this device's clock."""
        start = command.start_time()
        if start is None:
            return None
        return (self.clock_offset.local(start, command.group_id) - self.clock()).total_seconds()

    def _take_queue(self, command: SyncSpeakerQueue) -> None:
        if not self.queue.update(command):
            self._drop(command, f"queue version {command.version} is older")
            return
        self._prefetched_after = None  # what follows may have changed
        item_id = command.current_item_id
        query = self.queue.query(item_id)
        if command.start and query is not None:
            self.player.play(query, command.command_id, item_id=item_id)

    def _play_following(self, ended: PlayerState) -> None:
        """Player thread, a song ended by itself: the queue goes on."""
        item_id = self.queue.following(ended.queue_item_id)
        query = self.queue.query(item_id)
        if query is not None:
            self.player.play(query, item_id=item_id)

    def _follow(self, state: PlayerState) -> None:
        """Remember what plays (a reboot goes on from it) and resolve what follows ahead
        of time, so the next song starts without waiting for yt-dlp."""
        if self._stopping.is_set():
            return  # shutting down (a reboot): the queue goes on from here at start
        playing = state.status in ("loading", "playing", "paused")
        self.queue.playing(state.queue_item_id if playing else None, state.position_ms)
        item_id = state.queue_item_id
        if state.status == "playing" and item_id is not None \
                and item_id != self._prefetched_after:
            self._prefetched_after = item_id
            following = self.queue.query(self.queue.following(item_id))
            if following is not None:
                self.player.prefetch(following)

    def _drop(self, command: SpeakerCommand, reason: str) -> None:
        log.info("dropped %s command %s: %s", command.command, command.command_id, reason)

    # -- state (player thread, heartbeat thread) ------------------------------------------
    def _publish_state(self, state: PlayerState) -> None:
        self._follow(state)
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
