"""Local users' passwords: argon2id hashes (argon2-cffi's defaults) or bcrypt
ones (``$2b$...``, as Prometheus' web config and ``htpasswd -B`` make)."""

from __future__ import annotations

from typing import Literal

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["BCRYPT_MAX_BYTES", "SCHEMES", "Scheme", "hash_password", "scheme_of", "verify_password"]

Scheme = Literal["argon2", "bcrypt"]
SCHEMES: tuple[Scheme, ...] = ("argon2", "bcrypt")
#: bcrypt reads no further than this: a longer password cannot be hashed with it
BCRYPT_MAX_BYTES = 72
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")

_HASHER = PasswordHasher()
# verified against when the user name is unknown, so timing does not tell
_DUMMY = "$argon2id$v=19$m=65536,t=3,p=4$RlXDG8f9sshBZROZ9x9JpA$bF+0Z4/eVZAPcxjZiGv4H53AletVb+TQlv3kIDLSRdA"


def scheme_of(stored: str) -> Scheme | None:
    """Which scheme made ``stored``; ``None``: neither (not a hash we know)."""
    if stored.startswith("$argon2"):
        return "argon2"
    if stored.startswith(_BCRYPT_PREFIXES) and len(stored) == 60:
        return "bcrypt"
    return None


def hash_password(password: str, scheme: Scheme = "argon2") -> str:
    """``password``'s hash; ``ValueError`` for a bcrypt one over 72 bytes."""
    if scheme == "bcrypt":
        raw = password.encode("utf-8")
        if len(raw) > BCRYPT_MAX_BYTES:
            raise ValueError(
                f"bcrypt reads at most {BCRYPT_MAX_BYTES} bytes of a password "
                f"(this one has {len(raw)}): use argon2"
            )
        return bcrypt.hashpw(raw, bcrypt.gensalt()).decode("ascii")
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored`` (``None``: an unknown user,
    checked against a dummy hash all the same)."""
    if stored is not None and scheme_of(stored) == "bcrypt":
        raw = password.encode("utf-8")
        if len(raw) > BCRYPT_MAX_BYTES:  # never made by bcrypt: no match, not a crash
            return False
        try:
            return bcrypt.checkpw(raw, stored.encode("ascii"))
        except ValueError:  # a malformed hash
            return False
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
