"""The event's .ics: RFC 5545 text, escaped, folded at 75 octets, times in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from models.ticketing.tickets.calendar import event_ics
from models.ticketing.tickets.read import EventFacts, when

EVENT = EventFacts(7, "PyCon; Europe, 2027", datetime(2027, 3, 1, 8, tzinfo=UTC),
                   datetime(2027, 3, 2, 17, tzinfo=UTC), "Europe/Berlin",
                   "Berlin Congress Center, Hall A", "Talks\nand sprints " + "é" * 80)


def _unfolded(ics: bytes) -> list[str]:
    return ics.decode().replace("\r\n ", "").split("\r\n")


def test_the_calendar_names_the_event_in_utc_with_its_text_escaped():
    lines = _unfolded(event_ics(EVENT, stamp=datetime(2026, 12, 1, tzinfo=UTC),
                                url="https://tickets.example/o/x.pdf"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "DTSTART:20270301T080000Z" in lines and "DTEND:20270302T170000Z" in lines
    assert "DTSTAMP:20261201T000000Z" in lines and "UID:event-7@venuebus" in lines
    assert "SUMMARY:PyCon\\; Europe\\, 2027" in lines
    assert "LOCATION:Berlin Congress Center\\, Hall A" in lines
    assert f"DESCRIPTION:Talks\\nand sprints {'é' * 80}" in lines
    assert "URL:https://tickets.example/o/x.pdf" in lines


def test_lines_are_folded_at_75_octets_without_splitting_a_character():
    ics = event_ics(EVENT)
    physical = ics.split(b"\r\n")
    assert max(len(line) for line in physical) <= 75
    for line in physical:
        line.decode()  # each piece is whole UTF-8: a split character raises here
    assert any(line.startswith(b" ") for line in physical)


def test_a_ticket_states_the_time_in_the_events_zone():
    assert when(EVENT) == "Mon 1 Mar 2027, 09:00 – Tue 2 Mar 2027, 18:00 (Europe/Berlin)"
    same_day = EventFacts(1, "x", datetime(2027, 7, 1, 1, tzinfo=UTC),
                          datetime(2027, 7, 1, 8, tzinfo=UTC), "Asia/Tokyo", None, None)
    assert when(same_day) == "Thu 1 Jul 2027, 10:00 – 17:00 (Asia/Tokyo)"
    # the same day in UTC, the next one in Tokyo: the end says its date
    late = EventFacts(1, "x", datetime(2027, 7, 1, 7, tzinfo=UTC),
                      datetime(2027, 7, 1, 15, 30, tzinfo=UTC), "Asia/Tokyo", None, None)
    assert when(late) == "Thu 1 Jul 2027, 16:00 – Fri 2 Jul 2027, 00:30 (Asia/Tokyo)"
