"""My tickets (/tickets): the signed-in buyer's orders with a link to each completed one's
PDF, and the PDF itself (/tickets/<identifier>.pdf) for the buyer and the event's
organizers (the door desk links here by order id). Both on the services of the API."""

from __future__ import annotations

from flask import Blueprint, render_template

from api import deps
from api.order_identifier import order_id_of
from api.order_tickets import tickets_pdf_response
from api.pages.session import signin_required
from models.accounts.tables import User
from models.ticketing.tickets.mine import list_my_orders
from models.ticketing.tickets.pdf import order_tickets_pdf

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


@bp.get("")
@signin_required
def mine(user: User):
    return render_template("tickets/mine.html", orders=list_my_orders(deps.db(), user))


@bp.get("/<identifier>.pdf")
@signin_required
def order_pdf(user: User, identifier: str):
    return tickets_pdf_response(order_tickets_pdf(deps.db(), user, order_id_of(identifier)))
