"""The check-in rule cases, shared by the server's unit test
(tests/unit/test_check_in_rules.py) and the offline desk's parity test in Chromium
(tests/browser/test_door_rules_parity.py): one list of cases, two implementations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.ticketing.checkin.rules import Holder, ListRules

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)
VIP, STANDARD = 1, 2


def holder(**changes) -> Holder:
    base = dict(ticket_id=VIP, is_cancelled=False, order_status="completed", inside=False,
                entered=False)
    return Holder(**{**base, **changes})


def rules(**changes) -> ListRules:
    return ListRules(**{"list_id": 7, "name": "VIP", "ticket_ids": None, **changes})


CASES = [
    (None, holder(), None),
    (None, holder(is_cancelled=True), "attendee_cancelled"),
    (None, holder(order_status="pending"), "order_not_completed"),
    (None, holder(inside=True, entered=True), None),  # the default list lets in again
    (rules(ticket_ids=frozenset({VIP})), holder(ticket_id=STANDARD), "wrong_list"),
    (rules(ticket_ids=frozenset({VIP})), holder(ticket_id=VIP), None),
    (rules(admits_pending=True), holder(order_status="pending"), None),
    (rules(admits_pending=True), holder(order_status="expired"), "order_not_completed"),
    (rules(valid_from=NOW + timedelta(minutes=1)), holder(), "not_yet"),
    (rules(valid_until=NOW - timedelta(minutes=1)), holder(), "too_late"),
    (rules(allow_re_entry=False), holder(inside=True, entered=True), "already_inside"),
    (rules(allow_re_entry=False), holder(inside=False, entered=True), None),  # after exit
    (rules(allow_re_entry=False, entry_after_exit=False), holder(entered=True),
     "already_inside"),
    (rules(allow_re_entry=True), holder(inside=True, entered=True), None),
    # a cancelled ticket of another list says cancelled: the stronger reason first
    (rules(ticket_ids=frozenset({VIP})), holder(ticket_id=STANDARD, is_cancelled=True),
     "attendee_cancelled"),
]
