"""The exception workflow: the operational store, owner routing, migrations."""

from metrics.exceptions.owners import OwnerRouter, OwnerRule
from metrics.exceptions.store import (
    Candidate,
    ExceptionStore,
    InvalidTransition,
    NotFound,
    SyncResult,
)

__all__ = [
    "Candidate",
    "ExceptionStore",
    "InvalidTransition",
    "NotFound",
    "OwnerRouter",
    "OwnerRule",
    "SyncResult",
]
