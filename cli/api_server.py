"""`venuebus api` without --dev: gunicorn workers, their metrics summed on METRICS_PORT.

The public port never serves /metrics. Every worker counts its requests into files in
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode); the gunicorn master
serves the sum, with the outbox gauges read at scrape time, on METRICS_HOST:METRICS_PORT.
The directory is emptied at start (counts of an earlier run would be added to this
one's) and a worker that exits is marked dead (its live gauges stop counting)."""

from __future__ import annotations

import atexit
import gc
import glob
import os
import shutil
import sys
import tempfile

import click

from models.core.config import Config


def fresh_multiproc_dir() -> str:
    """PROMETHEUS_MULTIPROC_DIR emptied of metric files, or a new temporary directory
    (removed when the master exits); either way set for this process and its workers."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix="venuebus-metrics-")
        master = os.getpid()  # forked workers run atexit too: only the master removes it
        atexit.register(lambda: os.getpid() == master and shutil.rmtree(path, True))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    from prometheus_client import values

    # metrics pick their storage from the variable when built: make sure it is seen
    values.ValueClass = values.get_value_class()
    return path


def serve_metrics(config: Config, multiproc_dir: str) -> None:
    """The workers' summed metrics on METRICS_HOST:METRICS_PORT (a thread of the master);
    METRICS_PORT=0 serves none."""
    if not config.metrics_port:
        return
    from prometheus_client import start_http_server
    from sqlalchemy.pool import NullPool

    from api.metrics import metrics_registry
    from models.core.db import Database

    # no pool: workers are forked from this process and must not inherit its connections
    db = Database(config, poolclass=NullPool)
    try:
        start_http_server(config.metrics_port, addr=config.metrics_host,
                          registry=metrics_registry(multiproc_dir, db))
    except OSError as exc:
        click.secho(f"metrics: cannot listen on {config.metrics_host}:{config.metrics_port}: "
                    f"{exc} (set METRICS_PORT)", fg="red", err=True)
        sys.exit(os.EX_CONFIG)
    click.echo(f"metrics on http://{config.metrics_host}:{config.metrics_port}/metrics")


def _worker_exited(_server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_app(config: Config):
    """A worker's app, its heap frozen once built: the objects of the imports and the app
    live as long as the worker, and each full collection scanned all of them (150,000;
    55 ms, one per few thousand requests: 17 µs of each order's CPU on average)."""
    from api.app import create_app

    app = create_app(config)
    gc.collect()
    gc.freeze()
    return app


def serve_api(config: Config, host: str, port: int, workers: int) -> None:
    """Run gunicorn with `workers` workers on host:port until it is stopped."""
    from gunicorn.app.base import BaseApplication

    multiproc_dir = fresh_multiproc_dir()

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            # gunicorn's most (its default, 4094, cut filters the API takes): a longer
            # request line is 414, documented on every operation
            self.cfg.set("limit_request_line", 8190)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("accesslog", None)
            self.cfg.set("child_exit", _worker_exited)

        def load(self):
            return worker_app(config)

    serve_metrics(config, multiproc_dir)
    click.echo(f"venuebus api listening on http://{host}:{port} (docs: /docs)")
    Server().run()
