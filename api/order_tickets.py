"""An order's tickets as an HTTP answer, for the JSON:API route and the pages alike: the
PDF inline and its content hash as a strong ETag (a conditional GET costs no transfer).
api/headers.py marks it `no-store` as every signed-in answer: it is a key to the door."""

from __future__ import annotations

from flask import Response, request

from models.ticketing.tickets.pdf import TicketsPdf


def tickets_pdf_response(pdf: TicketsPdf) -> Response:
    headers = {"Content-Disposition": f'inline; filename="tickets-{pdf.identifier}.pdf"',
               "ETag": f'"{pdf.etag}"'}
    if f'"{pdf.etag}"' in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)
    return Response(pdf.content, mimetype="application/pdf", headers=headers)
