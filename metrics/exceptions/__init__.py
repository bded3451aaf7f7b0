"""The exception workflow: the operational store, owner routing, migrations."""

from metrics.exceptions.model import Candidate, InvalidTransition, NotFound, SyncResult
from metrics.exceptions.owners import OwnerRouter, OwnerRule
from metrics.exceptions.store import ExceptionStore

__all__ = [
    "Candidate",
    "ExceptionStore",
    "InvalidTransition",
    "NotFound",
    "OwnerRouter",
    "OwnerRule",
    "SyncResult",
]
