"""Wire contracts: every message that crosses the broker, and the topology, defined once.
Standard library only, so the server and the device import the same definitions."""
