"""Capacity: take and give back units of tickets without ever overselling.

`sold_count` changes only through one conditional UPDATE per ticket, in ticket id order
(no deadlocks between orders of several tickets); the row stays locked until commit, so
unit numbers are allocated under that lock. The CHECK `sold_within_capacity` backs it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select, update
from sqlalchemy.orm import Session

from models.catalog.tables import Ticket
from models.core.errors import Conflict
from models.ticketing.tables import Attendee

SOLD_OUT = "Ticket with id: {} already sold out. You can buy at most {} tickets"


def sold_out(session: Session | Connection, ticket_id: int, pointer: str) -> Conflict:
    """The 409 for a ticket without room for an order, saying how many units are left."""
    left = session.scalar(select(Ticket.quantity - Ticket.sold_count)
                          .where(Ticket.id == ticket_id))
    return Conflict(SOLD_OUT.format(ticket_id, max(0, left or 0)), code="ticket_sold_out",
                    pointer=pointer)


def room_for(n: Any) -> ColumnElement[bool]:
    """The capacity rule, on `tickets`: `n` more units fit. The step-by-step path
    (`reserve_units`) and the one-statement order (orders/statements.py) both use it."""
    return Ticket.sold_count + n <= Ticket.quantity


def following_unit(sold_before: Any, ordinal: Any) -> Any:
    """The unit number of the `ordinal`-th (from 1) unit an order takes after the
    `sold_before` units held: units follow `sold_count` while every held unit is below
    it, as they are until an order gives units back (the unique (ticket_id, unit) index
    refuses them otherwise). As SQL for the one-statement order (orders/statements.py),
    as a number for the step-by-step path (`reserve_units`)."""
    return sold_before + ordinal


def reserve_units(session: Session | Connection, wanted: dict[int, int], *,
                  pointer: str) -> dict[int, list[int]]:
    """Take `wanted[ticket_id]` units of each ticket; returns the unit numbers taken per
    ticket. Raises Conflict (`ticket_sold_out`, with how many are left) on the first ticket
    without room; the caller's transaction then rolls back everything."""
    units: dict[int, list[int]] = {}
    for ticket_id in sorted(wanted):
        n = wanted[ticket_id]
        row = session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, room_for(n))
            .values(sold_count=Ticket.sold_count + n)
            .returning(Ticket.sold_count, Ticket.quantity)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is None:
            raise sold_out(session, ticket_id, pointer)
        sold, quantity = row
        units[ticket_id] = _free_units(session, ticket_id, sold - n, n, quantity)
    return units


def _free_units(session: Session | Connection, ticket_id: int, sold_before: int, n: int,
                quantity: int) -> list[int]:
    """The `n` lowest free unit numbers (caller holds the ticket row lock). Without
    cancellations the units are dense, so the next ones follow `sold_count`."""
    highest = session.scalar(select(func.max(Attendee.unit)).where(Attendee.ticket_id == ticket_id))
    if highest is None or highest <= sold_before:
        return [following_unit(sold_before, k) for k in range(1, n + 1)]
    taken = set(session.scalars(select(Attendee.unit).where(Attendee.ticket_id == ticket_id,
                                                            Attendee.unit.is_not(None))))
    free = [u for u in range(1, quantity + 1) if u not in taken][:n]
    if len(free) < n:  # sold_count and the units disagree: refuse rather than oversell
        raise Conflict(SOLD_OUT.format(ticket_id, len(free)), code="ticket_sold_out")
    return free


def release_units(session: Session, given_back: dict[int, int]) -> None:
    """Give units back (order cancelled), in ticket id order like `reserve_units`."""
    for ticket_id in sorted(given_back):
        session.execute(
            update(Ticket).where(Ticket.id == ticket_id)
            .values(sold_count=Ticket.sold_count - given_back[ticket_id])
            .execution_options(synchronize_session=False)
        )
