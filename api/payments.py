"""POST /v1/payments/stripe/webhook: Stripe tells us an order was paid.

The signature (`Stripe-Signature`, HMAC of the raw body with the endpoint secret
`STRIPE_WEBHOOK_SECRET`) is checked by the official library before anything is read.
A checkout session counts only once its `payment_status` is "paid": at
`checkout.session.completed` for a card, at `checkout.session.async_payment_succeeded`
for a delayed method (SEPA debit, bank transfer), whose `completed` says "unpaid" and
whose `async_payment_failed` leaves the order pending (it expires). Those and
`payment_intent.succeeded` whose `metadata.order_id` names an order are applied once per
Stripe event id (models/ticketing/orders/pay.py); a payment that completes nothing
(late, twice, or short) is recorded with `needs_refund`; other event types, and sessions
not paid, are acknowledged and ignored, so Stripe stops resending them."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import stripe
from flask import Blueprint, jsonify, request

from api import deps
from api.errors import ApiError
from api.limits import bounded_id
from api.openapi import doc
from models.ticketing.orders.pay import PaymentNotice, record_payment

bp = Blueprint("payments", __name__)

SESSION_PAID = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
ACTED_ON = (*SESSION_PAID, "payment_intent.succeeded")
ORDER_POINTER = "/data/object/metadata/order_id"
# Stripe gives amounts in the currency's smallest unit; these have no minor unit
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                "vnd", "vuv", "xaf", "xof", "xpf"}


def _amount(obj: dict[str, Any]) -> tuple[Decimal | None, str | None]:
    raw = obj.get("amount_total", obj.get("amount_received", obj.get("amount")))
    currency = obj.get("currency")
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
        return None, currency
    exponent = 0 if (currency or "").lower() in ZERO_DECIMAL else 2
    return Decimal(raw).scaleb(-exponent), currency


def _reference(kind: str, obj: dict[str, Any]) -> str | None:
    """The payment intent both events of one checkout name: the session's
    `payment_intent`, or the intent's own id."""
    raw = obj.get("id") if kind == "payment_intent.succeeded" else obj.get("payment_intent")
    if isinstance(raw, dict):  # an expanded object
        raw = raw.get("id")
    return raw[:255] if isinstance(raw, str) and raw else None


def _order_id(obj: dict[str, Any]) -> int:
    raw = (obj.get("metadata") or {}).get("order_id")
    if isinstance(raw, str) and raw.strip().isdigit():
        return bounded_id(raw.strip(), ORDER_POINTER, "order_id_missing",
                          "The payment's metadata.order_id")
    raise ApiError(422, "order_id_missing", "The payment's metadata.order_id must name an "
                   "order", pointer=ORDER_POINTER)


@bp.post("/v1/payments/stripe/webhook")
@doc("Stripe webhook: completes the order in metadata.order_id once per Stripe event "
     "(signed with Stripe-Signature)", errors=(400, 409, 422, 503))
def stripe_webhook():
    secret = deps.config().stripe_webhook_secret
    if not secret:
        raise ApiError(503, "payments_not_configured",
                       "The Stripe webhook is not configured (STRIPE_WEBHOOK_SECRET)")
    payload = request.get_data(as_text=True)
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"),
                                       secret)
        event = json.loads(payload)  # what the library verified, as plain JSON
        obj = event["data"]["object"]
        kind, event_id = str(event["type"]), str(event["id"])
    except stripe.SignatureVerificationError as exc:
        raise ApiError(400, "bad_signature", "The Stripe-Signature does not verify") from exc
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ApiError(400, "bad_payload", "Not a Stripe event") from exc
    if kind not in ACTED_ON or not isinstance(obj, dict):
        return jsonify(received=True, ignored=True)
    if kind in SESSION_PAID and obj.get("payment_status") != "paid":
        # a delayed method's money has not arrived: its async_payment_succeeded will say
        return jsonify(received=True, ignored=True, payment_status=str(
            obj.get("payment_status"))[:32])
    amount, currency = _amount(obj)
    outcome = record_payment(deps.db(), PaymentNotice(
        provider="stripe", provider_event_id=event_id, event_type=kind,
        order_id=_order_id(obj), amount=amount,
        currency=currency[:3].lower() if isinstance(currency, str) else None,
        pointer=ORDER_POINTER, reference=_reference(kind, obj)))
    return jsonify(received=True, payment_id=outcome.payment_id, outcome=outcome.outcome,
                   needs_refund=outcome.needs_refund, replayed=outcome.replayed)
