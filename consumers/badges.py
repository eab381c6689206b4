"""`venuebus consume badges`: on `badge.requested`, render the badge's PDF into storage,
mark it generated and record `badge.generated`; after the last retry, mark it failed and
give its usage back.

Once per badge under redelivery: the file is written under a temporary name and renamed,
and the pending → generated transition (with the event) commits in the runtime's
transaction together with the processed-message row, so a repeat finds it done."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bus.consume import Delivery, Permanent
from consumers.registry import Consumer
from models.badges.images import image_files, template_image_ids
from models.badges.lifecycle import (
    fail_badge,
    mark_badge_generated,
    pending_badge,
    set_badge_progress,
)
from models.core.uow import UnitOfWork
from printing.render import render_badges

log = logging.getLogger("venuebus.consumers.badges")
PROGRESS_EVERY_S = 0.5


def badge_path(storage: str, badge_id: int) -> Path:
    return Path(storage).resolve() / f"badge-{badge_id}.pdf"


class _ProgressReporter:
    """Writes progress at most every PROGRESS_EVERY_S seconds (and at 5% steps)."""

    def __init__(self, uow: UnitOfWork, badge_id: int, total: int) -> None:
        self.uow, self.badge_id, self.total = uow, badge_id, total
        self.last_pct, self.last_at = 0, time.monotonic()

    def __call__(self, done: int) -> None:
        pct = done * 100 // self.total
        now = time.monotonic()
        if pct >= self.last_pct + 5 or (pct > self.last_pct
                                         and now - self.last_at >= PROGRESS_EVERY_S):
            set_badge_progress(self.uow, self.badge_id, pct)
            self.last_pct, self.last_at = pct, now


def render_badge(uow: UnitOfWork, deliveries: list[Delivery]) -> None:
    """Handle `badge.requested` deliveries (max_batch=1: one render per transaction).
    Raises on a render error, so the runtime retries and finally calls give_up."""
    storage = uow.db.config.badge_storage
    for delivery in deliveries:
        badge_id = delivery.int_field("badge_id")
        badge = pending_badge(uow, badge_id)
        if badge is None:
            log.info("badge %s is not pending any more; nothing to do", badge_id)
            continue
        started = time.monotonic()
        images = image_files(uow.session, badge.owner_id, template_image_ids(badge.template))
        result = render_badges(badge.rows, badge.template, badge_path(storage, badge_id),
                               images=images,
                               on_progress=_ProgressReporter(uow, badge_id, badge.count))
        mark_badge_generated(uow, badge_id, str(result.path), result.size_bytes,
                             result.page_count)
        log.info("badge %s: %d badges, %d pages, %d bytes in %.2fs", badge_id,
                 result.badge_count, result.page_count, result.size_bytes,
                 time.monotonic() - started)


def give_up_badge(uow: UnitOfWork, delivery: Delivery, reason: str) -> None:
    """After the last retry: the badge is failed with `reason` and its usage given back."""
    try:
        badge_id = delivery.int_field("badge_id")
    except Permanent:
        return  # a malformed message names no badge: nothing to fail
    if fail_badge(uow, badge_id, reason):
        log.warning("badge %s failed: %s", badge_id, reason)


CONSUMER = Consumer(name="badges", handle=render_badge, max_batch=1, on_give_up=give_up_badge)
