"""The desk's offline decision (static/door-offline.js) and the server's (rules.py) are
one rule written twice: every case of tests/unit/test_check_in_rules.py gives the same
answer in chromium, through the desk's own salted SHA-256 look-up."""

from __future__ import annotations

from playwright.sync_api import Page

from models.ticketing.checkin.rules import Holder, ListRules
from models.ticketing.checkin.sync import code_hash
from tests.support.check_in_rules import CASES, NOW

SALT = "0123456789abcdef0123456789abcdef"


def _state(h: Holder) -> str:
    if h.is_cancelled:
        return "cancelled"
    if h.order_status != "completed":
        return h.order_status
    return "inside" if h.inside else "out" if h.entered else "new"


def _attributes(rules: ListRules | None) -> dict:
    if rules is None:  # the default list
        return {"ticket-ids": None, "allow-re-entry": True, "entry-after-exit": True,
                "admits-pending": False, "valid-from": None, "valid-until": None}
    return {"ticket-ids": sorted(rules.ticket_ids) if rules.ticket_ids is not None else None,
            "allow-re-entry": rules.allow_re_entry,
            "entry-after-exit": rules.entry_after_exit,
            "admits-pending": rules.admits_pending,
            "valid-from": rules.valid_from.isoformat() if rules.valid_from else None,
            "valid-until": rules.valid_until.isoformat() if rules.valid_until else None}


def test_the_desk_decides_every_case_as_the_server_does(page: Page, live_app: str):
    page.goto(f"{live_app}/signin")
    page.add_script_tag(url="/static/door-offline.js")
    for n, (rules, holder, expected) in enumerate(CASES):
        code = f"secret-{n}-ä"  # not ASCII: the hash sees UTF-8 bytes on both sides
        row = [code_hash(SALT, code), code_hash(SALT, f"other-{n}"), "Ada Lovelace",
               holder.ticket_id, _state(holder), holder.entered]
        decided = page.evaluate("""([salt, list, row, code, now]) => {
            const copy = new DoorOffline.ListCopy("parity");
            Object.assign(copy, {salt, list, tickets: {"1": "VIP", "2": "Standard"},
                                 rows: {"7": row}});
            copy.index();
            const d = copy.decide(code, new Date(now));
            return d.outcome === "refused" ? d.reason : null;
        }""", [SALT, _attributes(rules), row, code, NOW.isoformat()])
        assert decided == expected, (n, rules, holder)
