"""An API worker freezes its heap once the app is built (cli/api_server.py), so the
garbage collector's full passes skip the objects that live as long as the worker."""

from __future__ import annotations

import gc
import secrets
import weakref

from cli.api_server import worker_app
from models.core.config import Config


class Node:
    self: Node


def test_the_worker_app_is_built_then_its_heap_frozen():
    config = Config.from_env({"DATABASE_URL": "sqlite://",
                              "SECRET_KEY": secrets.token_urlsafe(48)})
    gc.unfreeze()
    try:
        app = worker_app(config)
        assert gc.get_freeze_count() > 0
        # the app's own objects are in the frozen generation, not only the imports': the
        # collector's generations no longer hold them (a freeze before the build would
        # leave them there, and reach any count the imports alone reach)
        built = [app, app.url_map, app.view_functions, app.config]
        assert all(gc.is_tracked(o) for o in built)
        collected = {id(o) for o in gc.get_objects()}
        assert [o for o in built if id(o) in collected] == []
        assert app.test_client().get("/healthz").status_code == 200
        # a cycle made afterwards (as by a request) is still collected: only what existed
        # was frozen
        cycle = Node()
        cycle.self = cycle
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None  # a cycle: freed by the collector alone
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
