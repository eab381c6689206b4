"""The per-app cache of our own verified tokens: it saves the signature check, never the
expiry check; it holds the token's version for the revocation check with the user."""

from __future__ import annotations

import time

from api.auth import VerifiedTokens


def test_a_verified_token_is_remembered_until_it_expires():
    cache = VerifiedTokens()
    cache.put("t", 7, 3, time.time() + 60)
    assert cache.get("t") == (7, 3)
    assert cache.get("other") is None
    cache.put("old", 8, 0, time.time() - 1)
    assert cache.get("old") is None
    assert "old" not in cache.tokens


def test_the_cache_stays_bounded():
    cache = VerifiedTokens()
    for i in range(VerifiedTokens.LIMIT + 10):
        cache.put(f"t{i}", i, 0, time.time() + 60)
    assert len(cache.tokens) <= VerifiedTokens.LIMIT
    assert cache.get(f"t{VerifiedTokens.LIMIT + 9}") == (VerifiedTokens.LIMIT + 9, 0)
