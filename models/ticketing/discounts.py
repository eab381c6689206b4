"""Discount codes: per event, for the whole event or for some of its tickets; applied at
order time within their validity window and usage limit (held under concurrency)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import managed_event
from models.catalog.tables import Ticket
from models.core.base import utcnow
from models.core.db import Database
from models.core.errors import Conflict, Invalid, NotFound
from models.core.queries import Page, paginate
from models.core.uow import UnitOfWork
from models.ticketing.tables import DiscountCode, DiscountCodeTicket, Order

FIELDS = {"code", "used_for", "type", "value", "valid_from", "valid_till", "tickets_number",
          "is_active"}
CODE_POINTER = "/data/attributes/discount-code"
TICKETS_POINTER = "/data/relationships/tickets"


@dataclass
class Discount:
    """A code as it applies to one order: which tickets it discounts and by how much."""

    code: DiscountCode
    ticket_ids: set[int]

    def per_unit(self, price: Decimal) -> Decimal:
        off = self.code.value if self.code.type == "amount" else price * self.code.value / 100
        return min(price, off).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class DiscountView:
    code: DiscountCode
    ticket_ids: list[int]


def find_discount(s: Session, event_id: int, code: str, ticket_ids: list[int]) -> Discount:
    """The code `code` of the event, valid now and applying to some of `ticket_ids`."""
    row = s.scalar(select(DiscountCode).where(DiscountCode.event_id == event_id,
                                              DiscountCode.code == code))
    if row is None or not row.is_active:
        raise Invalid(f"Discount code {code} is not valid", code="invalid_discount_code",
                      pointer=CODE_POINTER)
    now = utcnow()
    if (row.valid_from and now < row.valid_from) or (row.valid_till and now > row.valid_till):
        raise Invalid(f"Discount code {code} is not valid now", code="discount_not_valid_now",
                      pointer=CODE_POINTER)
    applies = set(ticket_ids) if row.used_for == "event" else set(s.scalars(
        select(DiscountCodeTicket.ticket_id).where(DiscountCodeTicket.discount_code_id == row.id,
                                                   DiscountCodeTicket.ticket_id.in_(ticket_ids))))
    if not applies:
        raise Invalid(f"Discount code {code} does not apply to the tickets ordered",
                      code="discount_not_applicable", pointer=CODE_POINTER)
    return Discount(code=row, ticket_ids=applies)


def exhausted(code: DiscountCode) -> Conflict:
    return Conflict(f"Discount code {code.code} has no uses left", code="discount_exhausted",
                    pointer=CODE_POINTER)


def uses_left_for(n: Any) -> ColumnElement[bool]:
    """The discount rule, on `discount_codes`: `n` more uses fit its `tickets-number`
    (none: no limit). `take_uses` and the one-statement order both use it."""
    limit = DiscountCode.tickets_number
    return or_(limit.is_(None), DiscountCode.used_count + n <= limit)


def take_uses(s: Session | Connection, code: DiscountCode, n: int) -> None:
    """Use the code for `n` tickets, atomically within `tickets-number`, or Conflict."""
    done = s.execute(update(DiscountCode)
                     .where(DiscountCode.id == code.id, uses_left_for(n))
                     .values(used_count=DiscountCode.used_count + n)
                     .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise exhausted(code)


def give_back_uses(s: Session, code_id: int, n: int) -> None:
    s.execute(update(DiscountCode).where(DiscountCode.id == code_id)
              .values(used_count=DiscountCode.used_count - n)
              .execution_options(synchronize_session=False))


def _managed_code(s: Session, actor: User, code_id: int, *, lock: bool = False) -> DiscountCode:
    stmt = select(DiscountCode).where(DiscountCode.id == code_id)
    code = s.scalar(stmt.with_for_update() if lock else stmt)
    if code is None:
        raise NotFound(f"Discount code {code_id} not found")
    managed_event(s, actor, code.event_id,
                  "Only the event's owner or an admin can manage its discount codes")
    return code


def _check(code: DiscountCode) -> None:
    def bad(detail: str, member: str, name: str) -> Invalid:
        return Invalid(detail, code=name, pointer=f"/data/attributes/{member}")

    if not code.code or not code.code.strip():
        raise bad("code must not be empty", "code", "empty_code")
    if code.type == "percent" and code.value > 100:
        raise bad("A percent discount is at most 100", "value", "value_range")
    if code.valid_from and code.valid_till and code.valid_till < code.valid_from:
        raise bad("valid-till must not be before valid-from", "valid-till", "validity_window")
    if code.tickets_number is not None and code.tickets_number < (code.used_count or 0):
        raise bad(f"tickets-number cannot go below the {code.used_count} uses made",
                  "tickets-number", "uses_within_limit")


def _ticket_ids(s: Session, code_id: int) -> list[int]:
    return _tickets_of(s, [code_id])[code_id]


def _tickets_of(s: Session, code_ids: list[int]) -> dict[int, list[int]]:
    """Code id -> its ticket ids, for many codes in one query."""
    found: dict[int, list[int]] = {cid: [] for cid in code_ids}
    rows = s.execute(select(DiscountCodeTicket.discount_code_id, DiscountCodeTicket.ticket_id)
                     .where(DiscountCodeTicket.discount_code_id.in_(code_ids))
                     .order_by(DiscountCodeTicket.ticket_id)) if code_ids else []
    for code_id, ticket_id in rows:
        found[code_id].append(ticket_id)
    return found


def _check_tickets(s: Session, code: DiscountCode, ticket_ids: list[int], pointer: str) -> None:
    if ticket_ids and code.used_for != "ticket":
        raise Invalid("Only discount codes used for tickets can have tickets",
                      code="event_code_has_no_tickets", pointer=pointer)
    found = {tid: eid for tid, eid in s.execute(
        select(Ticket.id, Ticket.event_id).where(Ticket.id.in_(ticket_ids)))}
    for ticket_id in ticket_ids:
        if ticket_id not in found:
            raise Invalid(f"Ticket {ticket_id} not found", code="unknown_ticket", pointer=pointer)
        if found[ticket_id] != code.event_id:
            raise Invalid(f"Ticket {ticket_id} belongs to another event",
                          code="ticket_of_other_event", pointer=pointer)


def _flush_unique(s: Session, code: DiscountCode) -> None:
    try:
        s.flush()
    except IntegrityError as exc:
        raise Conflict(f"Discount code {code.code} already exists for this event",
                       code="duplicate_discount_code") from exc


def create_discount_code(db: Database, actor: User, event_id: int, fields: dict[str, Any],
                         ticket_ids: list[int] | None = None) -> DiscountView:
    """A code for the event (owner or admin); `ticket_ids` only for `used-for: ticket`."""
    with UnitOfWork(db) as uow:
        s = uow.session
        managed_event(s, actor, event_id,
                      "Only the event's owner or an admin can add discount codes")
        values = {"used_for": "event", "type": "amount", "is_active": True, "used_count": 0}
        values.update({k: fields[k] for k in FIELDS if k in fields})
        code = DiscountCode(event_id=event_id, **values)
        _check(code)
        ids = sorted(set(ticket_ids or []))
        _check_tickets(s, code, ids, TICKETS_POINTER)
        s.add(code)
        _flush_unique(s, code)
        s.add_all([DiscountCodeTicket(discount_code_id=code.id, ticket_id=i) for i in ids])
        uow.commit()
        return DiscountView(code, ids)


def get_discount_code(db: Database, actor: User, code_id: int) -> DiscountView:
    with db.session() as s:
        code = _managed_code(s, actor, code_id)
        return DiscountView(code, _ticket_ids(s, code_id))


def list_discount_codes(db: Database, actor: User, event_id: int, number: int,
                        size: int) -> Page[DiscountView]:
    with db.session() as s:
        managed_event(s, actor, event_id,
                      "Only the event's owner or an admin can see its discount codes")
        page = paginate(s, select(DiscountCode).where(DiscountCode.event_id == event_id)
                        .order_by(DiscountCode.id), number, size)
        tickets = _tickets_of(s, [c.id for c in page.items])
        views = [DiscountView(c, tickets[c.id]) for c in page.items]
        return Page(items=views, total=page.total, number=page.number, size=page.size)


def update_discount_code(db: Database, actor: User, code_id: int,
                         fields: dict[str, Any]) -> DiscountView:
    with UnitOfWork(db) as uow:
        s = uow.session
        code = _managed_code(s, actor, code_id, lock=True)
        for name in FIELDS & fields.keys():
            setattr(code, name, fields[name])
        _check(code)
        ticket_ids = _ticket_ids(s, code_id)  # this request does not change them
        _check_tickets(s, code, ticket_ids, "/data/attributes/used-for")
        _flush_unique(s, code)
        view = DiscountView(code, ticket_ids)
        uow.commit()
        return view


def delete_discount_code(db: Database, actor: User, code_id: int) -> None:
    with UnitOfWork(db) as uow:
        s = uow.session
        code = _managed_code(s, actor, code_id, lock=True)
        if s.scalar(select(Order.id).where(Order.discount_code_id == code_id).limit(1)):
            raise Conflict("Orders used this code: deactivate it (is-active: false) instead",
                           code="discount_code_used")
        s.delete(code)
        uow.commit()


def change_code_tickets(db: Database, actor: User, code_id: int, ticket_ids: list[int],
                        mode: str) -> list[int]:
    """Relationship endpoint: `replace` (PATCH), `add` (POST) or `remove` (DELETE) tickets
    of a ticket-level code. Returns the related ticket ids after the change."""
    with UnitOfWork(db) as uow:
        s = uow.session
        code = _managed_code(s, actor, code_id, lock=True)
        ids = sorted(set(ticket_ids))
        if mode != "remove":
            _check_tickets(s, code, ids, "/data")
        current = set(_ticket_ids(s, code_id))
        drop = current - set(ids) if mode == "replace" else set(ids) if mode == "remove" \
            else set()
        add = set() if mode == "remove" else set(ids) - current
        if drop:
            s.execute(delete(DiscountCodeTicket).where(
                DiscountCodeTicket.discount_code_id == code_id,
                DiscountCodeTicket.ticket_id.in_(drop)))
        s.add_all([DiscountCodeTicket(discount_code_id=code_id, ticket_id=i) for i in add])
        s.flush()
        ids = _ticket_ids(s, code_id)
        uow.commit()
        return ids


def code_tickets(db: Database, actor: User, code_id: int) -> list[Ticket]:
    with db.session() as s:
        _managed_code(s, actor, code_id)
        return list(s.scalars(select(Ticket).join(
            DiscountCodeTicket, DiscountCodeTicket.ticket_id == Ticket.id)
            .where(DiscountCodeTicket.discount_code_id == code_id).order_by(Ticket.id)))
