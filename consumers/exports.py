"""`venuebus consume exports`: on `export.requested`, stream the event's attendees, orders
or check-ins into a CSV or XLSX file under EXPORT_STORAGE and mark the export done; after
the last retry, mark it failed.

Once per export under redelivery: the file is renamed into place when complete, and the
requested → done transition commits with the processed-message row, so a repeat finds
it done and writes nothing."""

from __future__ import annotations

import logging
import time

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from models.core.uow import UnitOfWork
from models.ticketing.exports.jobs import fail_export, write_export

log = logging.getLogger("venuebus.consumers.exports")


def write_requested_export(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Handle `export.requested` (max_batch=1: one file per transaction). Raises on a
    write error, so the runtime retries and finally gives up."""
    for delivery in deliveries:
        export_id = delivery.int_field("export_id")
        started = time.monotonic()
        export = write_export(uow, export_id, uow.db.config.export_storage)
        if export is None:
            log.info("export %s is not requested any more; nothing to do", export_id)
            continue
        log.info("export %s: %d rows, %d bytes in %.2fs", export_id, export.row_count,
                 export.size_bytes, time.monotonic() - started)


def give_up_export(uow: UnitOfWork, delivery: Delivery, reason: str) -> None:
    try:
        export_id = delivery.int_field("export_id")
    except Permanent:
        return  # names no export: nothing to fail
    if fail_export(uow, export_id, reason):
        log.warning("export %s failed: %s", export_id, reason)


CONSUMER = Consumer(name="exports", handle=write_requested_export, max_batch=1,
                    on_give_up=give_up_export)
