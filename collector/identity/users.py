"""Local users, for a small install: a login, a display name, an argon2 hash, a role."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from collector.identity.passwords import verify_password
from collector.identity.principal import Principal, Role

__all__ = ["LocalUser", "UserBook"]


@dataclass(frozen=True, slots=True)
class LocalUser:
    login: str
    name: str
    password_hash: str
    role: Role

    @property
    def principal(self) -> Principal:
        return Principal.person(f"user:{self.login}", self.name, self.role)


class UserBook:
    def __init__(self, users: Iterable[LocalUser] = ()) -> None:
        self._users = {u.login: u for u in users}

    def __bool__(self) -> bool:
        return bool(self._users)

    def sign_in(self, login: str, password: str) -> Principal | None:
        """The user, when the password matches (the same work either way)."""
        user = self._users.get(login)
        ok = verify_password(user.password_hash if user else None, password)
        return user.principal if ok and user else None

    def current(self, subject: str) -> Principal | None:
        """A signed-in local user as configured now (removed: ``None``)."""
        user = self._users.get(subject.removeprefix("user:"))
        return user.principal if user else None
