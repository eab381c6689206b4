"""Badges: requests, allowed usage, rendering lifecycle and the one mail per badge."""
