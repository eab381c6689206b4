"""`venuebus consume speakers`: keeps the last state each speaker reported, for the API.

States are snapshots ordered by the server's receive time (kept across retries), the
device's sequence breaking ties: a Pi's clock (no RTC, before NTP) decides nothing.

Only the device itself may report its state: the message's `user_id` (validated by the
broker against the publisher's login) must be that speaker's own broker user. Anything
else, a backend or another device included, is dead-lettered and never applied; so is
a state larger than MAX_STATE_BYTES, unread."""

from __future__ import annotations

from datetime import UTC, datetime

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from contracts.speakers import MAX_STATE_BYTES
from models.core.config import Config
from models.core.uow import UnitOfWork
from models.speakers.group_queue import advance_group_queues
from models.speakers.identity import broker_user
from models.speakers.service import record_speaker_state


def speaker_id_of(delivery: Delivery) -> int:
    """The speaker of `speaker.<id>.state`; the payload must agree with the key."""
    parts = delivery.routing_key.split(".")
    if len(parts) != 3 or parts[0] != "speaker" or parts[2] != "state":
        raise Permanent(f"not a speaker state: {delivery.routing_key}")
    if str(delivery.data.get("speaker_id")) != parts[1] or not parts[1].isdigit():
        raise Permanent(f"speaker_id does not match {delivery.routing_key}")
    return int(parts[1])


def check_publisher(config: Config, delivery: Delivery, speaker_id: int) -> None:
    """Permanent unless the device of `speaker_id` published `delivery` itself."""
    if delivery.publisher != broker_user(config, speaker_id):
        raise Permanent(f"{delivery.routing_key} published by {delivery.publisher!r}, "
                        "not by that speaker")


def store_speaker_state(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Keep each state; a member's report that its group's song ended moves the group's
    queue on (models/speakers/group_queue.py). Group rows are locked after every speaker
    row of the batch, in group order, so two batches never deadlock."""
    applied = []
    for delivery in sorted(deliveries, key=speaker_id_of):  # one lock order
        check_publisher(uow.db.config, delivery, speaker_id_of(delivery))
        try:
            if record_speaker_state(uow.session, speaker_id_of(delivery), delivery.data,
                                    datetime.fromtimestamp(delivery.received_at, UTC)):
                applied.append((speaker_id_of(delivery), delivery.data))
        except ValueError as exc:
            raise Permanent(f"malformed speaker state: {exc}") from exc
    advance_group_queues(uow, applied)


CONSUMER = Consumer(name="speakers", handle=store_speaker_state, max_body=MAX_STATE_BYTES)
