"""Local users' passwords: argon2id hashes (argon2-cffi's defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["hash_password", "verify_password"]

_HASHER = PasswordHasher()
# verified against when the user name is unknown, so timing does not tell
_DUMMY = "$argon2id$v=19$m=65536,t=3,p=4$RlXDG8f9sshBZROZ9x9JpA$bF+0Z4/eVZAPcxjZiGv4H53AletVb+TQlv3kIDLSRdA"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored`` (``None``: an unknown user,
    checked against a dummy hash all the same)."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
