"""One log format for every process on the bus, backend and speaker alike: JSON lines."""

from __future__ import annotations

import logging


def configure_logging(level: str) -> None:
    """JSON lines at `level` on stderr. pika logs every failed connect attempt as ERROR
    with a traceback; our loops log one warning per attempt instead."""
    logging.basicConfig(level=level.upper(),
                        format='{"t":"%(asctime)s","level":"%(levelname)s",'
                               '"logger":"%(name)s","msg":"%(message)s"}')
    logging.getLogger("pika").setLevel(logging.CRITICAL)
