"""The event as an iCalendar file (RFC 5545): one VEVENT, times in UTC (every calendar
shows them in its own zone), text escaped and lines folded at 75 octets."""

from __future__ import annotations

from datetime import UTC, datetime

from models.ticketing.tickets.read import EventFacts

FOLD = 75


def _text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """The line in pieces of at most 75 octets, never splitting a UTF-8 character; each
    piece after the first starts with the space that marks a continuation."""
    pieces, piece, size = [], "", 0
    for ch in line:
        n = len(ch.encode())
        if size + n > FOLD:
            pieces.append(piece)
            piece, size = " ", 1
        piece, size = piece + ch, size + n
    return [*pieces, piece]


def event_ics(event: EventFacts, *, stamp: datetime | None = None, url: str | None = None) -> bytes:
    """The event's .ics. `stamp` is DTSTAMP (now when left out); `url` links the tickets."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//venuebus//tickets//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
             f"UID:event-{event.event_id}@venuebus", f"DTSTAMP:{_utc(stamp or datetime.now(UTC))}",
             f"DTSTART:{_utc(event.starts_at)}", f"DTEND:{_utc(event.ends_at)}",
             f"SUMMARY:{_text(event.name)}"]
    if event.location:
        lines.append(f"LOCATION:{_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_text(event.description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(part for line in lines for part in _fold(line)) + "\r\n").encode()
