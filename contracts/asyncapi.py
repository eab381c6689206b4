"""The AsyncAPI 2.6 document of the wire contracts, generated from their one definition
(the registry and the topology); `docs/asyncapi.json` is checked against it by a test."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

from contracts.envelope import CONTENT_TYPE, REGISTRY
from contracts.topology import EXCHANGE, QUEUES, matches, queue_name

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.json"
_JSON_TYPES = {int: "integer", str: "string", float: "number", bool: "boolean", dict: "object",
               list: "array"}


def _schema(tp: Any) -> dict[str, Any]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return {**_schema(inner[0]), "nullable": True} if len(inner) == 1 else {}
    if typing.get_origin(tp) in (list, tuple):
        return {"type": "array", "items": _schema(args[0]) if args else {}}
    return {"type": _JSON_TYPES.get(typing.get_origin(tp) or tp, "string")}


def _payload(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls)]
    return {"type": "object", "required": [f.name for f in fields],
            "properties": {f.name: _schema(hints[f.name]) for f in fields},
            "description": (cls.__doc__ or "").strip()}


def build() -> dict[str, Any]:
    import contracts.registry  # noqa: F401  (every contract registered)

    channels: dict[str, Any] = {}
    for key, cls in sorted(REGISTRY.items()):
        consumers = sorted(name for name, keys in QUEUES.items()
                           if any(matches(k, key) for k in keys))
        channels[key] = {
            "description": f"Routing key on the topic exchange {EXCHANGE}; consumed by "
                           + (", ".join(queue_name(c) for c in consumers)
                              or getattr(cls, "consumer_queue", None) or "no queue yet"),
            "subscribe": {"message": {
                "name": cls.__name__, "contentType": CONTENT_TYPE,
                "headers": {"type": "object", "description": "AMQP properties: message_id = "
                            "CloudEvents id, type, delivery_mode 2, timestamp"},
                "payload": {"type": "object", "required": ["specversion", "id", "source",
                                                           "type", "time", "subject", "data"],
                            "properties": {
                                "specversion": {"const": "1.0"},
                                "type": {"const": cls.event_type()},
                                "subject": {"type": "string",
                                            "description": f"{cls.aggregate_type}/<id>"},
                                "data": _payload(cls)}}}}}
    return {"asyncapi": "2.6.0",
            "info": {"title": "venuebus events", "version": "1.0.0",
                     "description": "Domain events published from the transactional outbox "
                                    "(CloudEvents 1.0, structured JSON, at-least-once)."},
            "defaultContentType": CONTENT_TYPE,
            "servers": {"rabbitmq": {"url": "amqp://localhost:5672/%2F", "protocol": "amqp"}},
            "channels": channels}


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"
