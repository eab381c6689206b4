"""Domain errors. Each carries a stable lower_snake `code`; the API maps the class to a
status in one place (api/errors.py)."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    title = "Request failed"

    def __init__(self, detail: str, *, code: str | None = None, pointer: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.pointer = pointer


class Invalid(DomainError):
    code = "invalid"
    title = "Unprocessable entity"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class Unauthorized(DomainError):
    code = "unauthorized"
    title = "Unauthorized"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class Busy(DomainError):
    """A lock could not be had in time; the client may retry."""

    code = "busy"
    title = "Busy, retry"


class Throttled(DomainError):
    """Too many attempts: `retry_after` seconds until they are taken again (HTTP 429)."""

    code = "too_many_attempts"
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class BadParameter(DomainError):
    """A query parameter the request cannot be answered with (`parameter` names it)."""

    code = "bad_parameter"
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, parameter: str | None = None):
        super().__init__(detail, code=code)
        self.parameter = parameter


class TooManyRows(BadParameter):
    code = "too_many_rows"
