"""A value from a list the API reads when first asked (never at import), enforced and
documented by one validator: the OpenAPI document's `enum` is the list the API checks."""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Callable, Collection
from typing import Any

from marshmallow import ValidationError, fields, validate


class Listed(validate.Validator):
    """Valid when the value is one of `choices()`; the list is read on the first call."""

    def __init__(self, choices: Callable[[], Collection[str]], error: str) -> None:
        self.listing = choices  # not `choices`: apispec would iterate that as a list
        self.error = error

    def __call__(self, value: Any) -> Any:
        if value not in self.listing():
            raise ValidationError(self.error)
        return value


def listed_enum(self, field: fields.Field, **_: Any) -> dict[str, Any]:
    """apispec attribute function (api/openapi.py registers it): a field validated by
    `Listed` states its choices as the property's `enum`."""
    for validator in field.validators:
        if isinstance(validator, Listed):
            return {"enum": sorted(validator.listing())}
    return {}


@functools.cache
def iana_timezones() -> frozenset[str]:
    """IANA's zone names as the tz database in use lists them (the system's, or the
    tzdata package's). Not `localtime`: a Debian link to the server's own zone, which
    names no place and moves with the machine."""
    return frozenset(zoneinfo.available_timezones() - {"localtime"})
