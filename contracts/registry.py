"""Imports every contract module, so that the event registry is complete."""

from contracts import (  # noqa: F401
    accounts,
    badges,
    exports,
    mail,
    ratings,
    speaker_groups,
    speakers,
    ticketing,
)
from contracts.envelope import REGISTRY

__all__ = ["REGISTRY"]
