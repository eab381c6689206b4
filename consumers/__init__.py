"""The handlers, their exactly-once tracking and the consumer app that runs them on the
consume loop of bus.consume."""
