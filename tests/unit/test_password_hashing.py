"""Passwords are hashed at argon2-cffi's RFC 9106 low-memory cost in production; the
suite swaps in a cheap hasher for its own process (tests/conftest.py), never for this."""

from __future__ import annotations

from models.accounts import users


def test_production_hashes_passwords_at_the_rfc_9106_low_memory_cost(cheap_password_hashes):
    production = cheap_password_hashes
    assert (production.time_cost, production.memory_cost, production.parallelism) == \
        (3, 65536, 4)
    assert production.hash("password123").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_suite_hashes_cheaply_and_its_dummy_hash_matches(cheap_password_hashes):
    assert users._hasher is not cheap_password_hashes
    assert users._dummy_hash().startswith("$argon2id$v=19$m=8,t=1,p=1$")
