"""What every domain stands on: config, engine, unit of work, outbox, errors, migrations."""
