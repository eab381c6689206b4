"""A check-in list's rules, and the one decision they make: may this ticket come in now?
The desk's offline copy (api/static/door-offline.js) decides with the same rules, in the
same order, from the synced state; tests hold both to the same cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.core.errors import Conflict

# refusal codes, in the order they are checked (what the card and the API report)
CANCELLED, WRONG_LIST, NOT_COMPLETED = "attendee_cancelled", "wrong_list", "order_not_completed"
NOT_YET, TOO_LATE, ALREADY_INSIDE = "not_yet", "too_late", "already_inside"
UNPAID = ("pending", "placed")  # what `admits_pending` lets in


@dataclass(frozen=True)
class ListRules:
    list_id: int
    name: str
    ticket_ids: frozenset[int] | None  # None: every ticket of the event
    allow_re_entry: bool = True  # False: one entry only ...
    entry_after_exit: bool = True  # ... unless the ticket was scanned out since
    admits_pending: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    event_id: int | None = None  # the list's event: its tickets only


@dataclass(frozen=True)
class Holder:
    """What the rules look at: the ticket as the door knows it."""

    ticket_id: int
    is_cancelled: bool
    order_status: str
    inside: bool  # last scan an entry
    entered: bool  # ever scanned in


class Refused(Conflict):
    """A scan the rules refuse (409), with who it was, for the desk's card."""

    def __init__(self, detail: str, *, code: str, attendee_name: str | None = None,
                 ticket_name: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.attendee_name, self.ticket_name = attendee_name, ticket_name


def refusal(rules: ListRules | None, holder: Holder, at: datetime) -> str | None:
    """The code that refuses `holder`'s entry at `at` on this list, or None (come in).
    Without a list: the default list, which admits every completed, active ticket."""
    if holder.is_cancelled:
        return CANCELLED
    if rules is not None and rules.ticket_ids is not None \
            and holder.ticket_id not in rules.ticket_ids:
        return WRONG_LIST
    pending_ok = rules is not None and rules.admits_pending and holder.order_status in UNPAID
    if holder.order_status != "completed" and not pending_ok:
        return NOT_COMPLETED
    if rules is None:
        return None
    if rules.valid_from is not None and at < rules.valid_from:
        return NOT_YET
    if rules.valid_until is not None and at > rules.valid_until:
        return TOO_LATE
    if holder.entered and not rules.allow_re_entry and \
            (holder.inside or not rules.entry_after_exit):
        return ALREADY_INSIDE
    return None


DETAILS = {
    CANCELLED: "The attendee's order was cancelled",
    WRONG_LIST: "This list does not admit {ticket} tickets",
    NOT_COMPLETED: "The attendee's order is {status}, not completed",
    NOT_YET: "This list admits from {valid_from}",
    TOO_LATE: "This list admitted until {valid_until}",
    ALREADY_INSIDE: "Already came in: this list admits once",
}
