"""The consume runtime (ack, retry, dead-letter, shutdown) and the handlers."""
