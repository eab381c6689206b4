"""A badge's life after the request, driven by the consumers: progress, generated, failed.

Every transition is a conditional UPDATE from `pending`, so a redelivered message can
never generate twice, fail a generated badge, or give usage back twice."""

from __future__ import annotations

from sqlalchemy import update

from contracts.badges import BadgeGenerated
from models.badges.tables import Badge
from models.badges.usage import give_back_usage
from models.core.base import utcnow
from models.core.commit_aside import can_commit_aside, side_unit
from models.core.uow import UnitOfWork

MAX_REASON = 2000


def pending_badge(uow: UnitOfWork, badge_id: int) -> Badge | None:
    """The badge if it still waits to be rendered; None if generated, failed or gone."""
    badge = uow.session.get(Badge, badge_id)
    return badge if badge is not None and badge.status == "pending" else None


def set_badge_progress(outer: UnitOfWork, badge_id: int, progress: int) -> None:
    """Publish rendering progress (0-99) in its own short transaction, so readers see it
    while the render's transaction is still open. Never moves backwards. A no-op on
    SQLite, where it could not be seen before the render commits anyway."""
    if not can_commit_aside(outer):
        return
    progress = max(0, min(99, progress))
    with side_unit(outer) as uow:
        uow.session.execute(
            update(Badge)
            .where(Badge.id == badge_id, Badge.status == "pending", Badge.progress < progress)
            .values(progress=progress, updated_at=utcnow())
            .execution_options(synchronize_session=False))
        uow.commit()


def mark_badge_generated(uow: UnitOfWork, badge_id: int, file_path: str, size_bytes: int,
                         page_count: int) -> bool:
    """In the caller's transaction: pending → generated (progress 100) and record
    `badge.generated`. False (and nothing recorded) if the badge was not pending."""
    now = utcnow()
    owner_id = uow.session.scalar(
        update(Badge).where(Badge.id == badge_id, Badge.status == "pending")
        .values(status="generated", progress=100, file_path=file_path,
                size_bytes=size_bytes, page_count=page_count, updated_at=now)
        .returning(Badge.owner_id).execution_options(synchronize_session=False))
    if owner_id is None:
        return False
    uow.record(BadgeGenerated(badge_id=badge_id, owner_id=owner_id, page_count=page_count,
                              size_bytes=size_bytes, generated_at=now.isoformat()))
    return True


def fail_badge(uow: UnitOfWork, badge_id: int, reason: str) -> bool:
    """In the caller's transaction: pending → failed with `reason`, and the badge's usage
    goes back to its owner. False if the badge was not pending (nothing changes)."""
    taken = uow.session.execute(
        update(Badge).where(Badge.id == badge_id, Badge.status == "pending")
        .values(status="failed", failure_reason=reason[:MAX_REASON], updated_at=utcnow())
        .returning(Badge.owner_id, Badge.count)
        .execution_options(synchronize_session=False)).one_or_none()
    if taken is None:
        return False
    give_back_usage(uow.session, taken.owner_id, taken.count)
    return True

