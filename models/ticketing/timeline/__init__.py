"""Time buckets of an event's sales and check-ins, kept by the stats consumer."""
