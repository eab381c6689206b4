"""Orders, by use case: `place` (checks, pricing; `statements` and `write` put it in the
database, `drafts` are its rows before they are written), `complete`, `cancel`,
`expire`, `pay`, and `read`. `release` gives back what a cancelled or expired order
held, `inventory` takes and gives back units, `idempotency` keeps a retried POST's first
answer, `events` builds `order.placed`."""
