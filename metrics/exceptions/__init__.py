"""The exception workflow: the operational store, owner routing, migrations."""

from metrics.exceptions.model import (
    MAX_NOTE_BYTES,
    Candidate,
    InvalidTransition,
    NotFound,
    SyncResult,
)
from metrics.exceptions.owners import OwnerRouter, OwnerRule
from metrics.exceptions.store import ExceptionStore

__all__ = [
    "MAX_NOTE_BYTES",
    "Candidate",
    "ExceptionStore",
    "InvalidTransition",
    "NotFound",
    "OwnerRouter",
    "OwnerRule",
    "SyncResult",
]
