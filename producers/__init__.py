"""The outbox relay and the pika publisher (confirms, topology declaration)."""
