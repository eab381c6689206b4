"""Events and their tickets: who may change them and the rules that hold across fields."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.tables import Event, Ticket
from models.core.db import Database
from models.core.errors import Conflict, Forbidden, Invalid, NotFound
from models.core.queries import Page, Refine, paginate, refined
from models.core.uow import UnitOfWork

EVENT_FIELDS = {"name", "description", "starts_at", "ends_at", "order_expiry_time",
                "currency", "timezone", "location_name"}
TICKET_FIELDS = {"name", "description", "type", "price", "quantity", "sales_starts_at",
                 "sales_ends_at", "min_order", "max_order", "is_hidden"}


def manages(actor_id: int, actor_is_admin: bool, owner_id: int) -> bool:
    """The rule: an event is managed by its owner and by admins (staff only work its
    door). The statements that read the actor and the event in one go apply it to what
    they read."""
    return actor_is_admin or owner_id == actor_id


def can_manage(actor: User | None, event: Event) -> bool:
    return actor is not None and manages(actor.id, actor.is_admin, event.owner_id)


def load_event(session: Session, event_id: int, *, for_update: bool = False) -> Event:
    stmt = select(Event).where(Event.id == event_id)
    event = session.scalar(stmt.with_for_update() if for_update else stmt)
    if event is None:
        raise NotFound(f"Event {event_id} not found")
    return event


def managed_event(session: Session, actor: User, event_id: int,
                  detail: str = "Only the event's owner or an admin can change it",
                  code: str | None = None) -> Event:
    """The event (NotFound) when `actor` owns it or is an admin, else Forbidden(detail)."""
    event = load_event(session, event_id)
    if not can_manage(actor, event):
        raise Forbidden(detail, code=code)
    return event


def _check_event(event: Event) -> None:
    if event.ends_at < event.starts_at:
        raise Invalid("ends-at must not be before starts-at", code="ends_before_start",
                      pointer="/data/attributes/ends-at")


def create_event(db: Database, actor: User, fields: dict[str, Any]) -> Event:
    with UnitOfWork(db) as uow:
        event = Event(owner_id=actor.id, **{"currency": db.config.default_currency,
                                            **{k: fields[k] for k in EVENT_FIELDS
                                               if k in fields}})
        _check_event(event)
        uow.session.add(event)
        uow.commit()
        return event


def get_event(db: Database, event_id: int) -> Event:
    with db.session() as session:
        return load_event(session, event_id)


def list_events(db: Database, number: int, size: int,
                refine: Refine | None = None) -> Page[Event]:
    with db.session() as session:
        return paginate(session, refined(select(Event).order_by(Event.id), refine), number,
                        size)


def update_event(db: Database, actor: User, event_id: int, fields: dict[str, Any]) -> Event:
    with UnitOfWork(db) as uow:
        event = managed_event(uow.session, actor, event_id)
        for name in EVENT_FIELDS & fields.keys():
            setattr(event, name, fields[name])
        _check_event(event)
        uow.commit()
        return event


def delete_event(db: Database, actor: User, event_id: int) -> None:
    with UnitOfWork(db) as uow:
        event = managed_event(uow.session, actor, event_id)
        if uow.session.scalar(select(Ticket.id).where(Ticket.event_id == event_id,
                                                      Ticket.sold_count > 0).limit(1)):
            raise Conflict("Event has sold tickets and cannot be deleted", code="event_has_sales")
        uow.session.delete(event)
        uow.commit()


def _check_ticket(ticket: Ticket) -> None:
    def bad(detail: str, code: str, member: str) -> Invalid:
        return Invalid(detail, code=code, pointer=f"/data/attributes/{member}")

    if ticket.quantity < (ticket.sold_count or 0):
        raise bad(f"quantity cannot go below the {ticket.sold_count} tickets already sold",
                  "quantity_below_sold", "quantity")
    if ticket.max_order < ticket.min_order:
        raise bad("max-order must not be below min-order", "order_limits", "max-order")
    if ticket.type == "free" and ticket.price:
        raise bad("A free ticket has no price", "free_ticket_priced", "price")
    if ticket.sales_starts_at and ticket.sales_ends_at and \
            ticket.sales_ends_at < ticket.sales_starts_at:
        raise bad("sales-ends-at must not be before sales-starts-at", "sales_window",
                  "sales-ends-at")


def create_ticket(db: Database, actor: User, event_id: int, fields: dict[str, Any], *,
                  max_tickets: int | None = None) -> Ticket:
    """A new ticket of the event `actor` manages; Conflict `too_many_tickets` when the
    event has `max_tickets` (default: the config's MAX_TICKETS_PER_EVENT), counted under
    the event's row lock so that racing creations cannot pass it together."""
    with UnitOfWork(db) as uow:
        managed_event(uow.session, actor, event_id)
        load_event(uow.session, event_id, for_update=True)
        cap = db.config.max_tickets_per_event if max_tickets is None else max_tickets
        if uow.session.scalar(select(func.count()).where(Ticket.event_id == event_id)) >= cap:
            raise Conflict(f"An event has at most {cap} tickets", code="too_many_tickets")
        values = {"type": "free", "price": 0, "min_order": 1, "max_order": 10,
                  "is_hidden": False, "sold_count": 0}
        values.update({k: fields[k] for k in TICKET_FIELDS if k in fields})
        ticket = Ticket(event_id=event_id, **values)
        _check_ticket(ticket)
        uow.session.add(ticket)
        uow.commit()
        return ticket


def _managed_ticket(session: Session, actor: User, ticket_id: int) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(f"Ticket {ticket_id} not found")
    managed_event(session, actor, ticket.event_id)
    return ticket


def get_ticket(db: Database, actor: User | None, ticket_id: int) -> Ticket:
    with db.session() as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or (ticket.is_hidden
                              and not can_manage(actor, load_event(session, ticket.event_id))):
            raise NotFound(f"Ticket {ticket_id} not found")
        return ticket


def list_tickets(db: Database, actor: User | None, event_id: int, number: int,
                 size: int, refine: Refine | None = None) -> Page[Ticket]:
    with db.session() as session:
        event = load_event(session, event_id)
        stmt = select(Ticket).where(Ticket.event_id == event_id).order_by(Ticket.id)
        if not can_manage(actor, event):
            stmt = stmt.where(Ticket.is_hidden.is_(False))
        return paginate(session, refined(stmt, refine), number, size)


def update_ticket(db: Database, actor: User, ticket_id: int, fields: dict[str, Any]) -> Ticket:
    """Change a ticket; `quantity` never goes below `sold_count` (row locked meanwhile)."""
    with UnitOfWork(db) as uow:
        ticket = _managed_ticket(uow.session, actor, ticket_id)
        for name in TICKET_FIELDS & fields.keys():
            setattr(ticket, name, fields[name])
        _check_ticket(ticket)
        uow.commit()
        return ticket


def delete_ticket(db: Database, actor: User, ticket_id: int) -> None:
    with UnitOfWork(db) as uow:
        ticket = _managed_ticket(uow.session, actor, ticket_id)
        if ticket.sold_count:
            raise Conflict("Ticket has sales and cannot be deleted", code="ticket_has_sales")
        uow.session.delete(ticket)
        uow.commit()
