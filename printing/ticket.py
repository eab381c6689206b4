"""An order's tickets: one page per attendee, drawn by the badge layout (one layout code,
printing/layout.py) with a template of its own. The event's name sits in the band, the
attendee's name, ticket and price, time, place and order beside the QR code of the door
code `<order identifier>-<attendee id>`.

The rows are plain text the caller formats (the time already in the event's timezone):
this leaf knows paper and fonts, not orders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from printing.render import render_pages

TICKET_W, TICKET_H = 210.0, 90.0  # three fit on A4, and it reads on a phone


def _line(field: str, size: float, *, font: str = "sans", bold: bool = False,
          colour: str | None = None, **extra: object) -> dict:
    return {"field": field, "font": font, "size-pt": "fit", "max-pt": size, "min-pt": 6.0,
            "colour": colour, "align": "left", "bold": bold, **extra}


TEMPLATE = {
    "badge-size": {"width-mm": TICKET_W, "height-mm": TICKET_H}, "margin-mm": 0,
    "background": "band", "background-colour": "#ffffff", "text-colour": "#1a1a1a",
    "accent-colour": "#1e5aa8", "qr": {"position": "top-right", "size-mm": 66},
    "lines": [
        _line("event", 15, bold=True, colour="#ffffff", **{"in-band": True}),
        _line("name", 24, bold=True),
        _line("ticket", 14),
        _line("when", 13),
        _line("where", 13),
        # Sans, not mono: each face is one more font to parse and subset per document
        _line("order", 10, colour="#555555"),
        _line("secret", 10, colour="#555555"),
    ],
}


@dataclass(frozen=True)
class TicketFace:
    """What one ticket shows, as text. `code` is what the QR code carries."""

    event_name: str
    when: str
    where: str
    ticket_name: str
    price: str
    attendee_name: str
    identifier: str
    code: str

    def row(self) -> dict[str, str]:
        return {"event": self.event_name, "name": self.attendee_name,
                "ticket": f"{self.ticket_name} · {self.price}", "when": self.when,
                "where": self.where, "order": f"Order {self.identifier}",
                "secret": self.code}


def render_tickets(faces: Iterable[TicketFace]) -> bytes:
    """The tickets as one PDF, a page each, fonts embedded (subsets). ValueError when
    there is no ticket."""
    return render_pages((f.row() for f in faces), TEMPLATE)
