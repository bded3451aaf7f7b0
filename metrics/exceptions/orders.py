"""Order follow-up: the orders that unresolved exceptions hurt, each with
those exceptions (SPEC 2 order impact, listed per order)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from metrics.exceptions.store import ExceptionStore
from metrics.exceptions.tables import exception_orders, exceptions

__all__ = ["impacted_orders"]


def impacted_orders(
    store: ExceptionStore, *, kind: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[int, list[dict[str, Any]]]:
    """``(total, page)``: orders on unresolved exceptions (of ``kind``), by order
    id; each with the exceptions that hurt it and, for a mismatch, its correction."""
    hurting = select(exception_orders.c.order_id, exceptions).join(
        exceptions, exceptions.c.id == exception_orders.c.exception_id
    ).where(exceptions.c.status != "resolved")  # fmt: skip
    if kind is not None:
        hurting = hurting.where(exceptions.c.kind == kind)
    sub = hurting.subquery()
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count(func.distinct(sub.c.order_id)))).scalar_one()
        page = [
            r[0]
            for r in conn.execute(
                select(sub.c.order_id)
                .distinct()
                .order_by(sub.c.order_id)
                .limit(limit)
                .offset(offset)
            )
        ]
        rows = conn.execute(
            hurting.where(exception_orders.c.order_id.in_(page)).order_by(
                exception_orders.c.order_id, exceptions.c.id
            )
        ).mappings().all()  # fmt: skip
    by_order: dict[str, list[dict[str, Any]]] = {o: [] for o in page}
    for r in rows:
        detail = json.loads(r["detail"])
        by_order[r["order_id"]].append(
            {
                "id": r["id"], "kind": r["kind"], "status": r["status"],
                "severity": r["severity"], "sku": r["sku"], "location": r["location"],
                "target": r["target"], "reason": r["reason"],
                "correction": detail.get("correction"), "opened_at_ns": r["opened_at_ns"],
            }
        )  # fmt: skip
    return int(total), [{"order_id": o, "exceptions": ex} for o, ex in by_order.items()]
