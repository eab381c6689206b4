"""Retention settings live in Config; the dedupe horizon must outlast redeliveries."""

from __future__ import annotations

import pytest

from models.core.config import REDELIVERY_WAIT_S, Config


def test_retention_settings_come_from_the_environment():
    config = Config.from_env({"OUTBOX_RETENTION_S": "3600", "DEDUPE_HORIZON_S": "200000",
                              "PRUNE_INTERVAL_S": "30", "PRUNE_BATCH_SIZE": "500",
                              "OUTBOX_MAX_ATTEMPTS": "7"})
    assert (config.outbox_retention_s, config.dedupe_horizon_s, config.prune_interval_s,
            config.prune_batch_size, config.outbox_max_attempts) == (3600, 200000, 30.0,
                                                                     500, 7)


def test_the_longest_redelivery_path_counts_every_retry_and_every_broker_redelivery():
    config = Config(retry_delays_ms=(1000, 5000, 30000), delivery_limit=20)
    assert config.redelivery_path_s == 36 + 4 * 20 * REDELIVERY_WAIT_S


def test_a_dedupe_horizon_shorter_than_the_redelivery_path_is_refused():
    with pytest.raises(ValueError, match="DEDUPE_HORIZON_S"):
        Config(delivery_limit=20, dedupe_horizon_s=3600)
    with pytest.raises(ValueError, match="longest redelivery path"):
        Config.from_env({"DEDUPE_HORIZON_S": "60"})
