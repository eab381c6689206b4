"""The API over real HTTP (a running `venuebus api` process), called the way the tests
call Flask's test client, so `tests.support.api` helpers serve both."""

from __future__ import annotations

from typing import Any

import requests


class LiveResponse:
    """A `requests` response with the test client's reading methods."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers

    @property
    def mimetype(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    def get_json(self) -> Any:
        return self.response.json()

    def get_data(self, as_text: bool = False) -> str | bytes:
        return self.response.text if as_text else self.response.content


class LiveClient:
    """`get/post/patch/delete(path, json=..., headers=...)` against `base` (no trailing
    slash); every call has a timeout, so a hung server fails the test instead of hanging it."""

    def __init__(self, base: str, timeout: float = 10) -> None:
        self.base, self.timeout = base, timeout

    def open(self, method: str, path: str, **kwargs: Any) -> LiveResponse:
        kwargs.setdefault("timeout", self.timeout)
        return LiveResponse(requests.request(method, self.base + path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> LiveResponse:
        return self.open("DELETE", path, **kwargs)


def answers(url: str, status: int | None = None) -> bool:
    """Whether `url` answers at all (with `status`, when given); for `wait_until`."""
    try:
        got = requests.get(url, timeout=1).status_code
    except requests.RequestException:
        return False
    return status is None or got == status
