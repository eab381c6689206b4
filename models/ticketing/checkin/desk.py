"""The door desk: what staff at one event's door scan, search and count. Every scan goes
through `models.ticketing.checkin.scan` (the same service as the API); this module only finds
the attendee a scanned code names, within the door's event, and says how the scan went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.tables import Ticket
from models.core.db import Database
from models.core.errors import Invalid, NotFound
from models.ticketing.attendees import AttendeeView, Scan, views_of
from models.ticketing.checkin.lists import rules_for
from models.ticketing.checkin.rules import ListRules
from models.ticketing.checkin.scan import ScanResult, check_in_attendee, check_out_attendee
from models.ticketing.codes import parse_order_code
from models.ticketing.staff import door_event
from models.ticketing.tables import Attendee, Order

SEARCH_MIN_CHARS = 2
SEARCH_LIMIT = 20
MAX_CODE_LENGTH = 64  # a check-in secret's column width
Outcome = Literal["ok", "inside", "out"]


@dataclass(frozen=True)
class DoorCard:
    """An attendee as the door desk shows it."""

    attendee_id: int
    order_id: int
    name: str
    email: str | None
    ticket_name: str
    inside: bool
    is_cancelled: bool
    last_scan: Scan | None


@dataclass(frozen=True)
class DoorScan:
    """How one scan went: `ok` (in), `inside` (was already inside: let in again, but
    look), `out` (checked out); `replayed` when its nonce was seen before."""

    card: DoorCard
    outcome: Outcome
    replayed: bool


def _cards(s: Session, views: list[AttendeeView]) -> list[DoorCard]:
    ids = {v.attendee.ticket_id for v in views}
    names = dict(s.execute(select(Ticket.id, Ticket.name).where(Ticket.id.in_(ids))).all()) \
        if ids else {}
    return [DoorCard(v.attendee.id, v.attendee.order_id,
                     f"{v.attendee.first_name} {v.attendee.last_name}", v.attendee.email,
                     names.get(v.attendee.ticket_id, "?"),
                     v.attendee.is_checked_in and not v.attendee.is_checked_out,
                     v.attendee.is_cancelled, v.scans[-1] if v.scans else None)
            for v in views]


def open_door(db: Database, actor: User, event_id: int) -> str:
    """The event's name, for its owner, admins and staff (Forbidden, NotFound)."""
    with db.session() as s:
        return door_event(s, actor, event_id).name


def search_attendees(db: Database, actor: User, event_id: int,
                     text: str) -> list[DoorCard] | None:
    """Up to SEARCH_LIMIT attendees of the event whose name, email or order number holds
    `text` (case-insensitive); None (no search made) below SEARCH_MIN_CHARS characters."""
    text = " ".join(text.split())
    if len(text) < SEARCH_MIN_CHARS:
        with db.session() as s:
            door_event(s, actor, event_id)
        return None
    needle = text.lower()
    matches = [func.lower(col).contains(needle, autoescape=True) for col in
               (Attendee.first_name, Attendee.last_name, Attendee.email,
                Attendee.first_name + " " + Attendee.last_name)]
    if text.isascii() and text.isdigit() and len(text) <= 18:  # not "³³": int() refuses it
        matches.append(Attendee.order_id == int(text))
    with db.session() as s:
        door_event(s, actor, event_id)
        found = list(s.scalars(select(Attendee).where(Attendee.event_id == event_id,
                                                      or_(*matches))
                               .order_by(Attendee.last_name, Attendee.first_name, Attendee.id)
                               .limit(SEARCH_LIMIT)))
        return _cards(s, views_of(s, found))


def _attendee_named(s: Session, event_id: int, code: str) -> int:
    code = code.strip()
    if not 1 <= len(code) <= MAX_CODE_LENGTH:
        raise Invalid("Scan a ticket's code or type a name", code="invalid_code",
                      pointer="/code")
    named = [Attendee.checkin_secret == code]
    order_code = parse_order_code(code)  # a secret may look like one: both are tried
    if order_code is not None:
        named.append(and_(Attendee.id == order_code.attendee_id, Attendee.order_id == select(
            Order.id).where(Order.identifier == order_code.identifier).scalar_subquery()))
    attendee_id = s.scalar(select(Attendee.id).where(Attendee.event_id == event_id,
                                                     or_(*named)))
    if attendee_id is None:  # another event's ticket says nothing about that event here
        raise NotFound("No ticket of this event has this code", code="unknown_code")
    return attendee_id


def _outcome(s: Session, result: ScanResult) -> DoorScan:
    scans = result.view.scans
    before = scans[:scans.index(result.scan)]
    outcome: Outcome = "out" if result.scan.kind == "exit" else \
        "inside" if before and before[-1].kind == "entry" else "ok"
    return DoorScan(_cards(s, [result.view])[0], outcome, result.replayed)


def _scan(db: Database, actor: User, attendee_id: int, kind: str, *,
          device_name: str | None, nonce: str | None, rules: ListRules | None = None
          ) -> DoorScan:
    """One scan through the check-in service (which checks the actor's rights again, in
    its own transaction, with the attendee's row locked), entries on `rules`' list."""
    if kind not in ("entry", "exit"):
        raise Invalid("kind must be entry or exit", code="invalid_kind", pointer="/kind")
    if kind == "entry":
        result = check_in_attendee(db, actor.id, attendee_id, device_name=device_name,
                                   nonce=nonce, rules=rules)
    else:
        result = check_out_attendee(db, actor.id, attendee_id, device_name=device_name,
                                    nonce=nonce)
    with db.session() as s:
        return _outcome(s, result)


def scan_at_door(db: Database, actor: User, event_id: int, code: str, *, kind: str,
                 device_name: str | None, nonce: str | None,
                 list_id: int | None = None) -> DoorScan:
    """Scan the attendee a check-in secret or an `<order identifier>-<attendee id>` code
    names (models/ticketing/codes.py; a plain `<order id>-<attendee id>` names nobody),
    in (`kind` entry) or out (exit), through the check-in service: a nonce seen before
    returns the first scan. NotFound `unknown_code` for a code of no attendee of this
    event; the service's errors otherwise (Refused by the list `list_id` names, the
    default list when None; not checked in; forbidden)."""
    with db.session() as s:
        door_event(s, actor, event_id)
        attendee_id = _attendee_named(s, event_id, code)
    return _scan(db, actor, attendee_id, kind, device_name=device_name, nonce=nonce,
                 rules=rules_for(db, event_id, list_id))


def scan_attendee(db: Database, actor: User, event_id: int, attendee_id: int, *, kind: str,
                  device_name: str | None, nonce: str | None,
                  list_id: int | None = None) -> DoorScan:
    """Scan an attendee of this event (picked from a search, or undone) in or out."""
    with db.session() as s:
        door_event(s, actor, event_id)
        if s.scalar(select(Attendee.event_id).where(Attendee.id == attendee_id)) != event_id:
            raise NotFound(f"Attendee {attendee_id} is not at this event")
    return _scan(db, actor, attendee_id, kind, device_name=device_name, nonce=nonce,
                 rules=rules_for(db, event_id, list_id))


def check_in_order(db: Database, actor: User, event_id: int, attendee_id: int, *,
                   device_name: str | None, nonce: str,
                   list_id: int | None = None) -> list[DoorScan]:
    """Scan in every active attendee of `attendee_id`'s order who is not inside, one
    check-in each with the nonce `<nonce>.<attendee id>`: a resent request scans nobody
    twice."""
    with db.session() as s:
        door_event(s, actor, event_id)
        order_id = s.scalar(select(Attendee.order_id).where(Attendee.id == attendee_id,
                                                            Attendee.event_id == event_id))
        if order_id is None:
            raise NotFound(f"Attendee {attendee_id} is not at this event")
        ids = list(s.scalars(select(Attendee.id).where(
            Attendee.order_id == order_id, Attendee.is_cancelled.is_(False),
            ~(Attendee.is_checked_in.is_(True) & Attendee.is_checked_out.is_(False)))
            .order_by(Attendee.id)))
    rules = rules_for(db, event_id, list_id)
    return [_scan(db, actor, aid, "entry", device_name=device_name, nonce=f"{nonce}.{aid}",
                  rules=rules) for aid in ids]
