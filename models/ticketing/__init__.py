"""Orders, attendees, check-ins, discount codes, event staff, and the statistics of them."""
