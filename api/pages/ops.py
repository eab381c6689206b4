"""The operator status page (/ops), for admins only: outbox lag and the relay's
connection, per queue its counts (from the management API), the consumers seen, and each
queue's dead letters with a replay that asks for confirmation first. The overview part is
polled by htmx every few seconds unless the page's pause switch is on."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

from flask import Blueprint, render_template, request

from api import deps
from api.pages.session import signin_required
from brokerops.dead_letter_access import (
    PAGE,
    DeadLettersUnavailable,
    dead_letters,
    replay_dead_letters,
)
from brokerops.management import ManagementClient, ManagementUnavailable
from contracts.topology import QUEUES, dead_queue, queue_name
from models.accounts.tables import User
from models.core.base import utcnow
from models.core.errors import Busy, Forbidden, NotFound
from models.core.outbox import outbox_lag
from models.core.waits import current_waits
from models.ticketing.checkin.conflicts import recent_conflicts

bp = Blueprint("ops", __name__, url_prefix="/ops")
REFRESH_SECONDS = 3
MAX_MESSAGE_ID = 64


def admin_required(view: Callable) -> Callable:
    """`signin_required`, then 403 (`admin_only`) for a user who is not an admin."""
    @functools.wraps(view)
    def wrapper(user: User, *args, **kwargs):
        if not user.is_admin:
            raise Forbidden("Only admins can see the operator page", code="admin_only")
        return view(user, *args, **kwargs)

    return signin_required(wrapper)


def _consumer(name: str) -> str:
    if name not in QUEUES:
        raise NotFound(f"No consumer queue named {name!r}", code="unknown_queue")
    return name


def _pretty(payload: str | None) -> str | None:
    """The payload indented when it is JSON, as it is otherwise (any payload: deep
    nesting raises RecursionError, not ValueError)."""
    try:
        return json.dumps(json.loads(payload), indent=2, ensure_ascii=False) if payload else None
    except Exception:  # noqa: BLE001 - shown as it is
        return payload


def _dead_letters_context(consumer: str, notice: str | None = None) -> dict:
    """What ops/_dead_list.html shows: the dead letters, with their payloads."""
    try:
        letters = dead_letters(deps.config().amqp_url, consumer)
    except DeadLettersUnavailable as exc:
        raise Busy(str(exc), code="broker_unavailable") from exc
    return {"consumer": consumer, "queue": queue_name(consumer), "letters": letters,
            "page": PAGE,
            "payloads": {d.message_id: _pretty(d.payload) for d in letters},
            "dead_queue": dead_queue(consumer), "notice": notice}


@bp.get("")
@admin_required
def status(user: User):
    return render_template("ops/status.html", refresh_seconds=REFRESH_SECONDS)


@bp.get("/overview")
@admin_required
def overview(user: User):
    with deps.db().session() as session:
        pending, lag = outbox_lag(session)
        waits = current_waits(session)
    broker, broker_error = None, None
    try:
        broker = ManagementClient.from_config(deps.config()).overview(QUEUES)
    except ManagementUnavailable as exc:  # the page still shows the outbox
        broker_error = str(exc)
    return render_template("ops/_overview.html", pending=pending, lag=lag, broker=broker,
                           broker_error=broker_error, waits=waits,
                           updated_at=utcnow())


@bp.get("/conflicts")
@admin_required
def conflicts(user: User):
    """What offline door desks left for a person to look at, every event's."""
    return render_template("door/_conflicts.html", show_event=True,
                           conflicts=recent_conflicts(deps.db(), user))


@bp.get("/dead/<name>")
@admin_required
def dead(user: User, name: str):
    return render_template("ops/dead.html", **_dead_letters_context(_consumer(name)))


@bp.get("/dead/<name>/confirm")
@admin_required
def confirm(user: User, name: str):
    """The confirm step of a replay (a fragment put under the list by htmx)."""
    return render_template("ops/_confirm.html", consumer=_consumer(name),
                           queue=queue_name(name),
                           message_id=request.args.get("message_id", "")[:MAX_MESSAGE_ID])


@bp.post("/dead/<name>/replay")
@admin_required
def replay(user: User, name: str):
    consumer = _consumer(name)
    message_id = request.form.get("message_id") or None
    try:
        replayed = replay_dead_letters(deps.config().amqp_url, consumer, message_id)
    except DeadLettersUnavailable as exc:
        raise Busy(str(exc), code="broker_unavailable") from exc
    if message_id is not None and not replayed:
        raise NotFound(f"No dead letter {message_id} in {dead_queue(consumer)} (replayed "
                       "already?)", code="dead_letter_not_found")
    plural = "" if replayed == 1 else "s"
    notice = f"Replayed {replayed} message{plural} into {queue_name(consumer)}"
    # the form targets its confirm box (where an error shows); success redraws the list
    return (render_template("ops/_dead_list.html", **_dead_letters_context(consumer, notice)),
            200, {"HX-Retarget": "#dead-list", "HX-Reswap": "outerHTML"})
