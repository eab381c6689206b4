"""Where an account's current address lives: the users table, or a directory (Firebase
Auth) behind the UserDirectory Protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Recipient:
    email: str
    display_name: str | None
    verified: bool = False  # mail goes only to a verified address


class UserDirectory(Protocol):
    def lookup(self, uid: str) -> Recipient | None:
        """The account's current email and display name; None if it has none."""
