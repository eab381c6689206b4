"""Ticketing statistics: the read models the stats consumer keeps, and reading them."""
