"""Smart speakers: registration, commands through the outbox, and the state they report."""
