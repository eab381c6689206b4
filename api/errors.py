"""Every error leaves the API as a JSON:API `errors` document; the mapping lives here only."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, json
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from models.core.errors import (
    BadParameter,
    Busy,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    Throttled,
    Unauthorized,
)

JSONAPI = "application/vnd.api+json"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out
log = logging.getLogger("venuebus.api")

STATUS_OF: dict[type[DomainError], int] = {
    Invalid: 422,
    NotFound: 404,
    Forbidden: 403,
    Unauthorized: 401,
    Conflict: 409,
    Busy: 503,
    Throttled: 429,
    BadParameter: 400,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error (400 for a class not listed)."""
    return next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)


class ApiError(Exception):
    """An HTTP-level error raised by the API layer itself (bad document, bad parameter)."""

    def __init__(self, status: int, code: str, detail: str, *, title: str | None = None,
                 pointer: str | None = None, parameter: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.title = title or _TITLES.get(status, "Error")
        self.pointer, self.parameter = pointer, parameter


_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
           415: "Unsupported media type", 422: "Unprocessable entity", 429: "Too many requests",
           500: "Internal server error", 503: "Service unavailable"}


def error_object(status: int, code: str, title: str, detail: str, pointer: str | None = None,
                 parameter: str | None = None) -> dict:
    err = {"status": str(status), "code": code, "title": title, "detail": detail}
    if pointer is not None:
        err["source"] = {"pointer": pointer}
    elif parameter is not None:
        err["source"] = {"parameter": parameter}
    return err


def error_response(status: int, errors: list[dict], headers: dict | None = None) -> Response:
    body = json.dumps({"errors": errors, "jsonapi": {"version": "1.0"}})
    return Response(body, status=status, mimetype=JSONAPI, headers=headers)


def validation_errors(exc: ValidationError, prefix: str = "/data/attributes") -> list[dict]:
    """One error object per invalid member, each with its JSON pointer."""
    out: list[dict] = []

    def walk(messages, path: str) -> None:
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(value, f"{path}/{key}")
        else:
            for msg in messages if isinstance(messages, list) else [messages]:
                if isinstance(msg, dict | list):
                    walk(msg, path)
                else:
                    out.append(error_object(422, "invalid_attribute", _TITLES[422], str(msg),
                                            pointer=path or "/data"))

    walk(exc.messages, prefix)
    return out


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, [error_object(exc.status, exc.code, exc.title,
                                                        exc.detail, exc.pointer, exc.parameter)])

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        status = status_of(exc)
        headers = {"Retry-After": "1"} if status == 503 else None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="venuebus"'}
        if isinstance(exc, Throttled):
            headers = {"Retry-After": str(exc.retry_after)}
        return error_response(status, [error_object(status, exc.code, exc.title, exc.detail,
                                                    exc.pointer, getattr(exc, "parameter",
                                                                         None))], headers)

    @app.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        return error_response(422, validation_errors(exc))

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        # The DB constraint caught what the service checks missed (usually a race).
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        detail = f"Conflicts with constraint {constraint}" if constraint else \
            "The change conflicts with the current state"
        log.info("integrity error mapped to 409: %s", exc.orig)
        return error_response(409, [error_object(409, "constraint_violated", _TITLES[409],
                                                 detail)])

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError):
        # a value the validation let through but the column cannot hold
        log.info("data error mapped to 422: %s", exc.orig)
        return error_response(422, [error_object(422, "value_out_of_range", _TITLES[422],
                                                 "A value is out of range for what it sets")])

    @app.errorhandler(OperationalError)
    def _db_unavailable(exc: OperationalError):
        if getattr(exc.orig, "pgcode", None) == LOCK_NOT_AVAILABLE:
            # waited LOCK_TIMEOUT_MS on a row lock (a hot ticket): retry rather than queue
            return error_response(503, [error_object(
                503, "busy", _TITLES[503], "Too many requests wait for the same tickets; "
                "retry in a moment")], {"Retry-After": "1"})
        log.warning("database unavailable: %s", exc.orig)
        return error_response(503, [error_object(503, "database_unavailable", _TITLES[503],
                                                 "The database is unavailable, retry")],
                              {"Retry-After": "1"})

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        code = (exc.name or "error").lower().replace(" ", "_")
        headers = dict(exc.get_headers()) if status == 405 else None
        if headers:
            headers.pop("Content-Type", None)
        return error_response(status, [error_object(status, code, exc.name or "Error",
                                                    exc.description or exc.name)], headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        current_app.logger.exception("unhandled error")
        return error_response(500, [error_object(500, "internal_error", _TITLES[500],
                                                 "An unexpected error occurred")])
