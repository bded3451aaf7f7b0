"""The exception workflow in the operational store (SQLAlchemy 2: SQLite or PostgreSQL).

States ``open -> acknowledged -> resolved``; detectors open exceptions and
resolve them when their condition clears, people acknowledge and resolve
them with who and a note. Every transition appends a row to
``exception_audit``; nothing ever updates or deletes an audit row (database
triggers refuse it too).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    func,
    insert,
    select,
    update,
)

from metrics.exceptions.database import open_engine, upgrade
from metrics.exceptions.model import (
    MAX_NOTE_BYTES,
    SEVERITY,
    Candidate,
    InvalidTransition,
    NotFound,
    SyncResult,
)
from metrics.exceptions.outbox import enqueue
from metrics.exceptions.owners import OwnerRouter
from metrics.exceptions.tables import KINDS, audit, detector_state, exception_orders, exceptions

__all__ = ["ExceptionStore"]

log = logging.getLogger(__name__)

_MAX_IDS = 200  # evidence ids kept per exception (order ids are all kept in exception_orders)


def _dump(values: Iterable[str]) -> str:
    return json.dumps(sorted(set(values))[:_MAX_IDS])


class ExceptionStore:
    """Exceptions and their audit log behind one SQLAlchemy engine."""

    def __init__(self, url: str, *, router: OwnerRouter | None = None) -> None:
        self.url = url
        self.engine = open_engine(url)
        upgrade(self.engine)
        self.router = router or OwnerRouter()

    def close(self) -> None:
        self.engine.dispose()

    # -- detectors ----------------------------------------------------------

    def sync(
        self,
        kind: str,
        found: Sequence[Candidate],
        *,
        now_ns: int,
        checked: Callable[[dict[str, Any]], bool] | None = None,
        reopen_after_manual: bool = False,
    ) -> SyncResult:
        """Open or refresh an exception per candidate; resolve the unresolved
        exceptions of ``kind`` that ``checked`` says were looked at and that
        were not found again (their condition cleared).

        An identity resolved by hand is not opened again unless
        ``reopen_after_manual`` (mismatches: the next run still disagrees).
        """
        if kind not in KINDS:
            raise ValueError(f"unknown exception kind {kind!r}")
        result = SyncResult()
        with self.engine.begin() as conn:
            unresolved = {
                row["identity"]: row
                for row in (
                    r._asdict()
                    for r in conn.execute(
                        select(exceptions).where(
                            exceptions.c.kind == kind, exceptions.c.status != "resolved"
                        )
                    )
                )
            }
            seen: set[str] = set()
            for cand in found:
                if cand.identity in seen:
                    continue
                seen.add(cand.identity)
                current = unresolved.get(cand.identity)
                if current is not None:
                    if self._refresh(conn, current, cand, now_ns):
                        result.updated += 1
                    continue
                if not reopen_after_manual and self._resolved_by_hand(conn, kind, cand.identity):
                    continue
                result.opened.append(self._open(conn, cand, now_ns))
            for identity, row in unresolved.items():
                if identity in seen or (checked is not None and not checked(row)):
                    continue
                self._transition(
                    conn,
                    row,
                    "resolved",
                    by="synclens",
                    note="condition cleared",
                    now_ns=now_ns,
                    action="auto_resolved",
                )
                result.resolved.append(int(row["id"]))
        return result

    def _resolved_by_hand(self, conn: Connection, kind: str, identity: str) -> bool:
        row = conn.execute(
            select(exceptions.c.resolution)
            .where(exceptions.c.kind == kind, exceptions.c.identity == identity)
            .order_by(exceptions.c.id.desc())
            .limit(1)
        ).first()
        return row is not None and row[0] == "manual"

    def _open(self, conn: Connection, cand: Candidate, now_ns: int) -> int:
        owner = self.router.owner(cand.kind, cand.warehouse, cand.target)
        new_id = conn.execute(
            insert(exceptions)
            .values(
                kind=cand.kind,
                identity=cand.identity,
                status="open",
                severity=SEVERITY[cand.kind],
                owner_team=owner,
                reason=cand.reason,
                sku=cand.sku,
                location=cand.location,
                warehouse=cand.warehouse,
                target=cand.target,
                stock_status=cand.stock_status,
                source=cand.source,
                event_ids=_dump(cand.event_ids),
                trace_ids=_dump(cand.trace_ids),
                order_ids=_dump(cand.order_ids),
                detail=json.dumps(cand.detail, sort_keys=True, default=str),
                opened_at_ns=now_ns,
                updated_at_ns=now_ns,
            )
            .returning(exceptions.c.id)
        ).scalar_one()
        self._add_orders(conn, new_id, cand.order_ids)
        conn.execute(
            insert(audit).values(
                exception_id=new_id,
                at_ns=now_ns,
                action="opened",
                from_status=None,
                to_status="open",
                by="synclens",
                note=cand.reason,
            )
        )
        self._emit(conn, int(new_id), "opened", now_ns)
        if cand.detail.get("correction"):
            self._emit(conn, int(new_id), "correction_proposed", now_ns)
        return int(new_id)

    def _emit(self, conn: Connection, exception_id: int, action: str, now_ns: int) -> None:
        """The event of a change, into the outbox in the change's transaction."""
        row = conn.execute(select(exceptions).where(exceptions.c.id == exception_id)).one()
        enqueue(conn, _public(row._asdict()), action, now_ns)

    def _add_orders(self, conn: Connection, exception_id: int, order_ids: Iterable[str]) -> None:
        have = {
            r[0]
            for r in conn.execute(
                select(exception_orders.c.order_id).where(
                    exception_orders.c.exception_id == exception_id
                )
            )
        }
        fresh = sorted(set(order_ids) - have)
        if fresh:
            conn.execute(
                insert(exception_orders),
                [{"exception_id": exception_id, "order_id": o} for o in fresh],
            )

    def _refresh(self, conn: Connection, row: dict[str, Any], cand: Candidate, now_ns: int) -> bool:
        """New evidence for an unresolved exception (no transition, no audit row)."""
        values = {
            "reason": cand.reason,
            "event_ids": _dump([*json.loads(row["event_ids"]), *cand.event_ids]),
            "trace_ids": _dump([*json.loads(row["trace_ids"]), *cand.trace_ids]),
            "order_ids": _dump([*json.loads(row["order_ids"]), *cand.order_ids]),
            "detail": json.dumps(cand.detail, sort_keys=True, default=str),
        }
        if all(row[k] == v for k, v in values.items()):
            return False
        conn.execute(
            update(exceptions)
            .where(exceptions.c.id == row["id"])
            .values(**values, updated_at_ns=now_ns)
        )
        self._add_orders(conn, int(row["id"]), cand.order_ids)
        correction = cand.detail.get("correction")
        if correction and correction != json.loads(row["detail"]).get("correction"):
            self._emit(conn, int(row["id"]), "correction_proposed", now_ns)
        return True

    def _transition(
        self,
        conn: Connection,
        row: dict[str, Any],
        to: str,
        *,
        by: str,
        note: str,
        now_ns: int,
        action: str,
        subject: str | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": to, "updated_at_ns": now_ns}
        if to == "acknowledged":
            values |= {"acknowledged_at_ns": now_ns, "acknowledged_by": by}
        elif to == "resolved":
            values |= {
                "resolved_at_ns": now_ns,
                "resolved_by": by,
                "resolution": "auto" if action == "auto_resolved" else "manual",
            }
        done = conn.execute(
            update(exceptions)
            .where(exceptions.c.id == row["id"], exceptions.c.status == row["status"])
            .values(**values)
        )
        if done.rowcount != 1:
            raise InvalidTransition(f"exception {row['id']} changed meanwhile; try again")
        conn.execute(
            insert(audit).values(
                exception_id=row["id"],
                at_ns=now_ns,
                action=action,
                from_status=row["status"],
                to_status=to,
                by=by,
                by_subject=subject,
                note=note,
            )
        )
        self._emit(conn, int(row["id"]), action, now_ns)

    # -- people ---------------------------------------------------------------

    def acknowledge(
        self, exception_id: int, *, by: str, note: str, now_ns: int, subject: str | None = None
    ) -> dict[str, Any]:
        """``by`` is the name people read, ``subject`` the principal's stable id."""
        return self._by_hand(
            exception_id, "acknowledged", by=by, subject=subject, note=note, now_ns=now_ns
        )

    def resolve(
        self, exception_id: int, *, by: str, note: str, now_ns: int, subject: str | None = None
    ) -> dict[str, Any]:
        return self._by_hand(
            exception_id, "resolved", by=by, subject=subject, note=note, now_ns=now_ns
        )

    def _by_hand(
        self,
        exception_id: int,
        to: str,
        *,
        by: str,
        subject: str | None,
        note: str,
        now_ns: int,
    ) -> dict[str, Any]:
        if not by.strip():
            raise InvalidTransition("'by' must name who does this")
        if len(note.encode()) > MAX_NOTE_BYTES:
            raise InvalidTransition(f"the note is longer than {MAX_NOTE_BYTES} bytes")
        with self.engine.begin() as conn:
            row = conn.execute(select(exceptions).where(exceptions.c.id == exception_id)).first()
            if row is None:
                raise NotFound(f"no exception {exception_id}")
            current = row._asdict()
            allowed = {"acknowledged": ("open",), "resolved": ("open", "acknowledged")}[to]
            if current["status"] not in allowed:
                raise InvalidTransition(
                    f"exception {exception_id} is {current['status']}; cannot move it to {to}"
                )
            self._transition(
                conn,
                current,
                to,
                by=by,
                note=note,
                now_ns=now_ns,
                action="acknowledged" if to == "acknowledged" else "resolved",
                subject=subject,
            )
        found = self.get(exception_id)
        assert found is not None
        return found

    # -- reads ----------------------------------------------------------------

    def get(self, exception_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(exceptions).where(exceptions.c.id == exception_id)).first()
        return _public(row._asdict()) if row is not None else None

    def search(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        sku: str | None = None,
        location: str | None = None,
        warehouse: str | None = None,
        target: str | None = None,
        owner_team: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """``(total, page)``; ``status`` ``unresolved`` means open + acknowledged."""
        conds = []
        if status == "unresolved":
            conds.append(exceptions.c.status != "resolved")
        elif status:
            conds.append(exceptions.c.status == status)
        for col, value in (
            (exceptions.c.kind, kind),
            (exceptions.c.sku, sku),
            (exceptions.c.location, location),
            (exceptions.c.warehouse, warehouse),
            (exceptions.c.target, target),
            (exceptions.c.owner_team, owner_team),
        ):
            if value is not None:
                conds.append(col == value)
        where = and_(*conds) if conds else None
        count = select(func.count()).select_from(exceptions)
        page = select(exceptions).order_by(exceptions.c.id.desc()).limit(limit).offset(offset)
        if where is not None:
            count = count.where(where)
            page = page.where(where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            rows = [_public(r._asdict()) for r in conn.execute(page)]
        return total, rows

    def audit_log(self, exception_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(audit).where(audit.c.exception_id == exception_id).order_by(audit.c.id)
            )
            return [r._asdict() for r in rows]

    def unresolved_summary(self) -> list[tuple[str, int]]:
        """``(kind, opened_at_ns)`` of every unresolved exception (for /metrics)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(exceptions.c.kind, exceptions.c.opened_at_ns).where(
                    exceptions.c.status != "resolved"
                )
            )
            return [(r[0], int(r[1])) for r in rows]

    def unresolved_keys(self) -> list[tuple[str, str]]:
        """Distinct ``(sku, location)`` of unresolved exceptions (for order impact)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(exceptions.c.sku, exceptions.c.location)
                .where(exceptions.c.status != "resolved")
                .where(exceptions.c.sku.is_not(None))
                .where(exceptions.c.location.is_not(None))
                .distinct()
            )
            return sorted((str(r[0]), str(r[1])) for r in rows)

    def orders_impacted(self) -> int:
        """Distinct order ids attached to unresolved exceptions as evidence.

        Not SPEC 2's order impact (every order on events of an exception's
        sku and location): that is :func:`metrics.exceptions.impact.orders_impacted`."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count(func.distinct(exception_orders.c.order_id)))
                    .select_from(
                        exception_orders.join(
                            exceptions, exceptions.c.id == exception_orders.c.exception_id
                        )
                    )
                    .where(exceptions.c.status != "resolved")
                ).scalar_one()
            )

    # -- detector watermarks --------------------------------------------------

    def watermark(self, name: str) -> tuple[int, int] | None:
        """``(seq, now_ns)`` a detector last ran up to, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(detector_state.c.seq, detector_state.c.now_ns).where(
                    detector_state.c.name == name
                )
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    def set_watermark(self, name: str, *, seq: int, now_ns: int) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(detector_state)
                .where(detector_state.c.name == name)
                .values(seq=seq, now_ns=now_ns)
            )
            if done.rowcount == 0:
                conn.execute(insert(detector_state).values(name=name, seq=seq, now_ns=now_ns))


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("event_ids", "trace_ids", "order_ids", "detail"):
        out[key] = json.loads(out[key])
    return out
