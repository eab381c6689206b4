"""Answers as documented (issue 22 §9): a resend's 202 is the status the document gives it,
with the document's content type and body. schemathesis reported the 202 as undocumented."""

from __future__ import annotations

from tests.support.accounts import verify_address
from tests.support.api import auth
from tests.support.documented import assert_documented


def test_a_resend_answers_the_documented_202(client, db, sale):
    verify_address(client, "buyer@example.com")
    sale.set_status(client, "completed")
    r = client.post(f"/v1/orders/{sale.identifier}/resend-tickets", headers=auth(sale.buyer))
    assert r.status_code == 202, r.get_json()
    assert_documented(client, "POST", "/v1/orders/{identifier}/resend-tickets", r)
