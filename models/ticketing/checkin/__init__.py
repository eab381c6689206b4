"""The door: `scan` (an entry or exit, locked per attendee, deduplicated by nonce) on
`statements` (its prepared SQL), `patch` (Open Event's PATCH of an attendee, as scans),
`desk` (what door staff find, scan and count) and `roster` (an event's attendees, for
other domains)."""
