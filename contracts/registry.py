"""Imports every contract module, so that the event registry is complete."""

from contracts import accounts, badges, exports, mail, ratings, speakers, ticketing  # noqa: F401
from contracts.envelope import REGISTRY

__all__ = ["REGISTRY"]
