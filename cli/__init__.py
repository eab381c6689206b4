"""The `venuebus` command: one entry point for every process."""
