"""Two (or more) real agents in one speaker group on a real broker: each consumes only its
own queue, which the harness binds to the group's keys as the backend's provisioner does
(consumers/speaker_groups.py), and writes its own WAV. Group commands are published as the
relay publishes the ones the API records (models/speakers/groups.py): a play starts
START_AHEAD later on every member's clock.

Used by the group tests and by bench/speaker_group.py (skew of the members' WAV onsets).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.speaker_groups import group_keys
from contracts.speakers import command_queue, new_command
from device.agent import Agent
from device.config import AgentConfig
from tests.support.device import BrokerPeer, size
from tests.support.wav_watch import WavWatch

START_AHEAD_S = 0.4  # as models.speakers.groups.START_AHEAD


def _clock(ahead_s: float) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + timedelta(seconds=ahead_s)


class Group:
    def __init__(self, amqp_url: str, directory: Path, members: int = 2,
                 clocks_ahead_s: tuple[float, ...] = ()) -> None:
        """`clocks_ahead_s`: how far each member's clock runs ahead of the server's."""
        self.group_id = uuid.uuid4().int % 10**9
        self.device_ids = [str(uuid.uuid4().int % 10**9) for _ in range(members)]
        self.peers = [BrokerPeer(amqp_url, d) for d in self.device_ids]  # queues first
        for device_id in self.device_ids:  # the backend's bindings, nothing on the device
            for key in group_keys(self.group_id):
                self.peers[0].ch.queue_bind(command_queue(device_id), self.peers[0].exchange,
                                            routing_key=key)
        self.agents = [Agent(AgentConfig(
            device_id=d, amqp_url=amqp_url, media_hosts=("127.0.0.1",),
            audio_file=str(directory / f"{d}.wav"), state_dir=str(directory / d),
            report_every_s=0.3), clock=_clock(ahead))
            for d, ahead in zip(self.device_ids, (*clocks_ahead_s, *[0.0] * members),
                                strict=False)]
        self.watches = [WavWatch(Path(a.config.audio_file), every=0.001) for a in self.agents]

    def __enter__(self) -> Group:
        for agent in self.agents:
            agent.start()
            assert agent.link.connected.wait(10), "agent did not connect"
        for watch in self.watches:
            watch.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for watch in self.watches:
            watch.__exit__()
        for agent in self.agents:
            agent.close()
        for peer in self.peers:
            peer.close()

    def send(self, command: str, **fields) -> str:
        """Publish a group command; play and resume start START_AHEAD from now."""
        if command in ("play", "resume"):
            start = datetime.now(UTC).timestamp() + START_AHEAD_S
            fields["start_at"] = datetime.fromtimestamp(start, UTC).isoformat()
        event = new_command(command, 0, str(uuid.uuid4()), group_id=self.group_id, **fields)
        self.peers[0].send(event)
        return event.command_id

    def wait_all(self, predicate, timeout: float = 10) -> list[dict]:
        return [peer.wait_state(predicate, timeout) for peer in self.peers]

    def onsets(self) -> list[float]:
        """Monotonic time each member's latest song began in its WAV."""
        return [w.songs[-1].started_at for w in self.watches]

    def songs(self) -> list[int]:
        return [len(w.songs) for w in self.watches]

    def wait_written(self, min_bytes: int = 600_000, timeout: float = 10) -> None:
        """Until every member's WAV holds `min_bytes`. Stop a song only after this: afile
        truncates the file for the next song and writes its pre-rolled second (~200 KB)
        at once, so the next song is seen (the size drops) only below a longer one."""
        deadline = time.monotonic() + timeout
        while any(size(Path(a.config.audio_file)) < min_bytes for a in self.agents):
            if time.monotonic() > deadline:
                raise TimeoutError(f"a member's WAV stayed under {min_bytes} bytes")
            time.sleep(0.01)
