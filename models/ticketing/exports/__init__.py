"""Exports of an event's lists (attendees, orders, check-ins) as CSV or XLSX files."""
