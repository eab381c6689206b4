"""The one backoff (bus.backoff): delays double up to a ceiling, a success starts them
over, and a stop ends a wait at once, the consumers' wait for their database included."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bus.backoff import Backoff
from consumers.tracking import wait_for_database
from models.core.config import Config
from models.core.db import Database


def test_delays_double_up_to_the_ceiling_and_start_over_after_a_reset():
    backoff = Backoff(threading.Event(), first=0.001, most=0.004)
    delays = []
    for _ in range(4):
        delays.append(backoff.delay)
        assert backoff.wait() is True
    assert delays == [0.001, 0.002, 0.004, 0.004]
    backoff.reset()
    assert backoff.delay == 0.001


def test_a_stop_already_set_ends_the_wait_at_once():
    stop = threading.Event()
    stop.set()
    assert Backoff(stop, first=3600, most=3600).wait() is False


def _wait_in_thread(fn) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(value=fn()), daemon=True)
    thread.start()
    return thread, result


def test_a_stop_set_during_an_hour_long_wait_ends_it():
    stop = threading.Event()
    thread, result = _wait_in_thread(Backoff(stop, first=3600, most=3600).wait)
    stop.set()
    thread.join(10)
    assert not thread.is_alive() and result == {"value": False}


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once the socket is: nothing listens there


def test_a_consumer_waiting_for_its_database_stops_when_told(closed_port):
    db = Database(Config(database_url=f"postgresql://venuebus@127.0.0.1:{closed_port}/none"))
    with pytest.raises(DBAPIError) as lost, db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    stop = threading.Event()
    thread, result = _wait_in_thread(lambda: wait_for_database(db, lost.value, stop))
    thread.join(1.5)
    assert thread.is_alive()  # waiting: the database is away
    stop.set()
    thread.join(15)
    assert not thread.is_alive() and result == {"value": False}
