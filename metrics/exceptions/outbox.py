"""Exception events into the durable outbox, in the transaction of the change.

Every exception opened, acknowledged or resolved, and every correction
proposed, becomes one row of ``event_outbox`` written with the change itself
(and its audit row), so an event exists exactly when its change does; the
delivery loop (:mod:`metrics.exceptions.delivery`) sends them on.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, insert

from metrics.exceptions.tables import event_outbox

__all__ = ["EVENT_TYPES", "enqueue"]

_PREFIX = "com.synclens.exception."
# audit action -> CloudEvents type
EVENT_TYPES = {
    "opened": _PREFIX + "opened",
    "acknowledged": _PREFIX + "acknowledged",
    "resolved": _PREFIX + "resolved",
    "auto_resolved": _PREFIX + "resolved",
    "correction_proposed": _PREFIX + "correction_proposed",
}


def subject(exc: dict[str, Any]) -> str:
    """``SKU/location`` (CloudEvents ``subject``), else the exception's identity."""
    if exc.get("sku"):
        return f"{exc['sku']}/{exc['location']}" if exc.get("location") else str(exc["sku"])
    return str(exc["identity"])


def enqueue(conn: Connection, exc: dict[str, Any], action: str, now_ns: int) -> None:
    """One event for ``action`` on ``exc`` (the exception as the API shows it)."""
    conn.execute(
        insert(event_outbox).values(
            event_id=str(uuid.uuid4()),
            type=EVENT_TYPES[action],
            subject=subject(exc)[:1024],
            exception_id=int(exc["id"]),
            time_ns=now_ns,
            has_orders=bool(exc.get("order_ids")),
            data=json.dumps(exc, sort_keys=True, default=str),
        )
    )
