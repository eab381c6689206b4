"""`venuebus consume speakers`: keeps the last state each speaker reported, for the API.

States are snapshots ordered by the server's receive time (kept across retries), the
device's sequence breaking ties: a Pi's clock (no RTC, before NTP) decides nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from consumers.registry import Consumer
from consumers.runtime import Delivery, Permanent
from models.core.uow import UnitOfWork
from models.speakers.service import record_speaker_state


def speaker_id_of(delivery: Delivery) -> int:
    """The speaker of `speaker.<id>.state`; the payload must agree with the key."""
    parts = delivery.routing_key.split(".")
    if len(parts) != 3 or parts[0] != "speaker" or parts[2] != "state":
        raise Permanent(f"not a speaker state: {delivery.routing_key}")
    if str(delivery.data.get("speaker_id")) != parts[1] or not parts[1].isdigit():
        raise Permanent(f"speaker_id does not match {delivery.routing_key}")
    return int(parts[1])


def store_speaker_state(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    for delivery in sorted(deliveries, key=speaker_id_of):  # one lock order
        try:
            record_speaker_state(uow.session, speaker_id_of(delivery), delivery.data,
                                 datetime.fromtimestamp(delivery.received_at, UTC))
        except ValueError as exc:
            raise Permanent(f"malformed speaker state: {exc}") from exc


CONSUMER = Consumer(name="speakers", handle=store_speaker_state)
