"""Database URLs as users write them name the driver we ship (psycopg2)."""

from __future__ import annotations

import pytest

from models.core.config import Config, driver_url
from models.core.db import make_engine


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1/venuebus",
                                 "postgres://postgres@127.0.0.1/venuebus"])
def test_plain_postgres_urls_use_psycopg2(url):
    assert driver_url(url) == "postgresql+psycopg2://postgres@127.0.0.1/venuebus"
    assert Config(database_url=url).database_url.startswith("postgresql+psycopg2://")
    assert Config.from_env({"DATABASE_URL": url}).database_url.startswith(
        "postgresql+psycopg2://")
    engine = make_engine(url)  # no connection is made; SQLAlchemy 2.1 would need psycopg 3
    assert engine.dialect.driver == "psycopg2"
    engine.dispose()


@pytest.mark.parametrize("url", ["postgresql+psycopg2://u@h/d", "sqlite:///var/x.db",
                                 "postgresql+psycopg://u@h/d", "mysql://u@h/d"])
def test_urls_naming_a_driver_or_another_database_are_left_alone(url):
    assert driver_url(url) == url
