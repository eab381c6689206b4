"""Ticketing statistics: applying facts to the read models, and reading them.

Each event names the fact it reports (`order.placed:<order id>`, `scan:<scan id>`, ...);
a fact is counted only when its row in `stats_applied_facts` is new, so the counts stay
exact whatever the batch holds (duplicates within it, or a fact seen in an earlier one).
Facts are deltas, applied in any order: a check-out taken before its check-in leaves
`inside` at -1 until the check-in arrives (reads show 0), and the sums end exact."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.accounts.tables import User
from models.catalog.events import load_event
from models.core.db import Database
from models.core.errors import Forbidden
from models.ticketing.staff import can_check_in
from models.ticketing.stats.tables import (
    DeviceStats,
    EventStats,
    OrderStateStats,
    StatsAppliedFact,
    TicketStats,
)
from models.ticketing.tables import ORDER_STATUSES

COUNTS = ("sold", "checked_in", "inside")
COUNTED = (*COUNTS, "check_ins", "orders", "units", "amount")
ORDER_STATES = ORDER_STATUSES
# where an order ends up after each event, and the state it leaves when the message
# does not say (messages from before the lifecycle: every order was completed)
MOVES = {"order.completed": "completed", "order.expired": "expired",
         "order.cancelled": "cancelled"}
LEFT_BY_DEFAULT = {"order.completed": "pending", "order.expired": "pending",
                   "order.cancelled": "completed"}


@dataclass
class Deltas:
    events: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    tickets: dict[tuple[int, int], Counter] = field(default_factory=lambda: defaultdict(Counter))
    devices: Counter = field(default_factory=Counter)
    # (event_id, state) -> orders, units, amount
    states: dict[tuple[int, str], Counter] = field(default_factory=lambda: defaultdict(Counter))

    def move(self, event_id: int, state: str, sign: int, units: int, amount: Decimal) -> None:
        if state not in ORDER_STATES:
            raise ValueError(f"unknown order state {state!r}")
        counts = self.states[(event_id, state)]
        counts["orders"] += sign
        counts["units"] += sign * units
        counts["amount"] += sign * amount

    def add(self, event_id: int, ticket_id: int, name: str, n: int) -> None:
        self.events[event_id][name] += n
        self.tickets[(ticket_id, event_id)][name] += n


def fact_of(routing_key: str, data: dict) -> str:
    """The fact an event reports, the same for every delivery of it. KeyError if absent."""
    if routing_key.startswith("order."):
        return f"{routing_key}:{int(data['order_id'])}"
    return f"scan:{int(data['scan_id'])}"


def collect(deltas: Deltas, routing_key: str, data: dict) -> None:
    """Add one event's effect to `deltas`. KeyError/ValueError on a malformed payload."""
    event_id = int(data["event_id"])
    if routing_key.startswith("order."):
        _collect_order(deltas, routing_key, event_id, data)
    elif routing_key == "attendee.checked_in":
        ticket_id = int(data["ticket_id"])
        if data["first_check_in"]:
            deltas.add(event_id, ticket_id, "checked_in", 1)
        if not data["was_inside"]:
            deltas.add(event_id, ticket_id, "inside", 1)
        deltas.devices[(event_id, data.get("device_name") or "-")] += 1
    elif routing_key == "attendee.checked_out":
        if data["was_inside"]:
            deltas.add(event_id, int(data["ticket_id"]), "inside", -1)
    else:
        raise ValueError(f"stats does not count {routing_key}")


def _collect_order(deltas: Deltas, routing_key: str, event_id: int, data: dict) -> None:
    """Units held (`sold`) and the order's move between states. An order placed, or
    released by a cancel or expiry, changes `sold`; a completion only moves its state."""
    units = sum(int(line["quantity"]) for line in data["lines"])
    amount = Decimal(str(data.get("amount", "0")))
    if routing_key == "order.placed":
        deltas.move(event_id, data.get("status", "completed"), 1, units, amount)
    elif routing_key in MOVES:
        left = data.get("previous_status", LEFT_BY_DEFAULT[routing_key])
        deltas.move(event_id, left, -1, units, amount)
        deltas.move(event_id, MOVES[routing_key], 1, units, amount)
    else:
        raise ValueError(f"stats does not count {routing_key}")
    if routing_key == "order.completed":
        return
    sign = 1 if routing_key == "order.placed" else -1
    for line in data["lines"]:
        ticket_id = int(line["ticket_id"])
        deltas.add(event_id, ticket_id, "sold", sign * int(line["quantity"]))
        if sign < 0:  # its attendees no longer count as come
            deltas.add(event_id, ticket_id, "checked_in", -int(line.get("checked_in", 0)))
            deltas.add(event_id, ticket_id, "inside", -int(line.get("inside", 0)))


def _insert(s: Session):
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[s.bind.dialect.name]


def new_facts(s: Session, facts: list[str]) -> set[str]:
    """Record `facts`; return those not recorded before (each counted once)."""
    unique = sorted(set(facts))
    if not unique:
        return set()
    stmt = _insert(s)(StatsAppliedFact).on_conflict_do_nothing().returning(
        StatsAppliedFact.fact)
    return set(s.scalars(stmt, [{"fact": f} for f in unique]))


def apply_deltas(s: Session, deltas: Deltas) -> None:
    """Add the deltas to the read models, keys in sorted order (one lock order)."""
    ins = _insert(s)

    def upsert(table, keys: dict, values: dict) -> None:
        added = {c: getattr(table, c) + v for c, v in values.items() if c in COUNTED}
        stmt = ins(table).values(**keys, **values)
        s.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=added))

    for event_id in sorted(deltas.events):
        upsert(EventStats, {"event_id": event_id},
               {c: deltas.events[event_id][c] for c in COUNTS})
    for ticket_id, event_id in sorted(deltas.tickets):
        counts = deltas.tickets[(ticket_id, event_id)]
        upsert(TicketStats, {"ticket_id": ticket_id},
               {"event_id": event_id, **{c: counts[c] for c in COUNTS}})
    for event_id, device in sorted(deltas.devices):
        upsert(DeviceStats, {"event_id": event_id, "device_name": device[:255]},
               {"check_ins": deltas.devices[(event_id, device)]})
    for event_id, state in sorted(deltas.states):
        counts = deltas.states[(event_id, state)]
        upsert(OrderStateStats, {"event_id": event_id, "state": state},
               {c: counts[c] for c in ("orders", "units", "amount")})


@dataclass
class EventStatsView:
    event_id: int
    sold: int
    checked_in: int
    inside: int
    tickets: list[TicketStats]
    devices: list[DeviceStats]
    states: dict[str, OrderStateStats]  # every state, zeros for those without orders

    @property
    def revenue(self) -> Decimal:
        """What completed orders brought in."""
        return self.states["completed"].amount


def get_event_stats(db: Database, actor: User, event_id: int) -> EventStatsView:
    """The counts the stats consumer keeps (owner, admins, staff); zeros before any.
    A count below zero (an event applied before the one it follows) reads as 0."""
    with db.session() as s:
        if not can_check_in(s, actor, load_event(s, event_id)):
            raise Forbidden("Only the event's owner or staff can see its statistics")
        row = s.get(EventStats, event_id)
        tickets = list(s.scalars(select(TicketStats).where(TicketStats.event_id == event_id)
                                 .order_by(TicketStats.ticket_id)))
        devices = list(s.scalars(select(DeviceStats).where(DeviceStats.event_id == event_id)
                                 .order_by(DeviceStats.device_name)))
        states = {st.state: st for st in s.scalars(
            select(OrderStateStats).where(OrderStateStats.event_id == event_id))}
    for counted in (*tickets, *states.values()):  # detached now: clamping changes only
        for name in ("orders", "units") if isinstance(counted, OrderStateStats) else COUNTS:
            setattr(counted, name, max(0, getattr(counted, name)))  # what is shown
    for state in ORDER_STATES:
        states.setdefault(state, OrderStateStats(event_id=event_id, state=state, orders=0,
                                                 units=0, amount=Decimal("0")))
    sold, checked_in, inside = (max(0, getattr(row, c)) if row else 0 for c in COUNTS)
    return EventStatsView(event_id, sold, checked_in, inside, tickets, devices,
                          {state: states[state] for state in ORDER_STATES})
