"""The exception workflow against SQLite and the machine's real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from metrics.exceptions import (
    Candidate,
    ExceptionStore,
    InvalidTransition,
    NotFound,
    OwnerRouter,
    OwnerRule,
)
from metrics.exceptions.tables import audit


def _cand(identity: str, **kw: object) -> Candidate:
    base: dict[str, object] = {
        "kind": "undelivered",
        "identity": identity,
        "reason": f"{identity} not delivered",
        "sku": "BOLT",
        "location": "DC-EAST/A-01",
        "warehouse": "DC-EAST",
        "target": "erp",
        "order_ids": ("SO-1",),
        "event_ids": (identity,),
    }
    base.update(kw)
    return Candidate(**base)  # type: ignore[arg-type]


def test_workflow_routing_filters_and_audit(ops_url: str) -> None:
    router = OwnerRouter(
        [
            OwnerRule(owner="erp-team", target="erp"),
            OwnerRule(owner="east-erp", target="erp", warehouse="DC-EAST"),
            OwnerRule(owner="catalog", kind="mismatch"),
        ],
        default="ops",
    )
    store = ExceptionStore(ops_url, router=router)
    try:
        res = store.sync("undelivered", [_cand("e1"), _cand("e2", warehouse="DC-WEST",
                                                              order_ids=("SO-2", "SO-1"))],
                         now_ns=100)  # fmt: skip
        assert len(res.opened) == 2
        e1, e2 = res.opened
        assert store.get(e1)["owner_team"] == "east-erp"  # type: ignore[index]
        assert store.get(e2)["owner_team"] == "erp-team"  # type: ignore[index]
        assert store.orders_impacted() == 2
        # the same finding again changes nothing
        again = store.sync("undelivered", [_cand("e1"), _cand("e2", warehouse="DC-WEST",
                                                                order_ids=("SO-2", "SO-1"))],
                           now_ns=200)  # fmt: skip
        assert again.opened == [] and again.resolved == []

        acked = store.acknowledge(e1, by="ana", note="looking", now_ns=300)
        assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "ana"
        with pytest.raises(InvalidTransition):
            store.acknowledge(e1, by="ana", note="twice", now_ns=310)
        with pytest.raises(InvalidTransition):
            store.acknowledge(e2, by="  ", note="nobody", now_ns=310)
        with pytest.raises(NotFound):
            store.resolve(999, by="ana", note="", now_ns=310)

        total, page = store.search(status="unresolved", limit=1)
        assert total == 2 and len(page) == 1
        assert store.search(status="acknowledged")[0] == 1
        assert store.search(sku="NOPE")[0] == 0

        # e2's condition cleared: auto-resolved; e1 still found
        cleared = store.sync("undelivered", [_cand("e1")], now_ns=400)
        assert cleared.resolved == [e2]
        assert store.get(e2)["resolution"] == "auto"  # type: ignore[index]
        assert store.orders_impacted() == 1

        done = store.resolve(e1, by="ana", note="replayed by hand", now_ns=500)
        assert done["status"] == "resolved" and done["resolution"] == "manual"
        with pytest.raises(InvalidTransition):
            store.resolve(e1, by="ana", note="again", now_ns=510)
        # resolved by hand: the same identity is not opened again ...
        assert store.sync("undelivered", [_cand("e1")], now_ns=600).opened == []
        # ... but an auto-resolved one whose condition returns is
        assert len(store.sync("undelivered", [_cand("e2")], now_ns=700).opened) == 1

        log = store.audit_log(e1)
        assert [(a["action"], a["from_status"], a["to_status"], a["by"]) for a in log] == [
            ("opened", None, "open", "synclens"),
            ("acknowledged", "open", "acknowledged", "ana"),
            ("resolved", "acknowledged", "resolved", "ana"),
        ]
        assert [a["at_ns"] for a in log] == [100, 300, 500]
        assert log[2]["note"] == "replayed by hand"
    finally:
        store.close()


def test_audit_log_is_append_only(ops_url: str) -> None:
    store = ExceptionStore(ops_url)
    try:
        [eid] = store.sync("double_apply", [_cand("x", kind="double_apply")], now_ns=1).opened
        store.acknowledge(eid, by="bo", note="n", now_ns=2)
        before = store.audit_log(eid)
        store.resolve(eid, by="bo", note="fixed", now_ns=3)
        after = store.audit_log(eid)
        assert after[: len(before)] == before and len(after) == len(before) + 1
        # the database itself refuses to change or remove audit rows
        for statement in (
            "UPDATE exception_audit SET note = 'rewritten'",
            "DELETE FROM exception_audit",
        ):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
                conn.execute(text(statement))
        assert store.audit_log(eid) == after
    finally:
        store.close()


def test_audit_rows_cannot_change_through_sqlalchemy(ops_url: str) -> None:
    """Core ``update()`` / ``delete()`` of the audit table fail as raw SQL does."""
    store = ExceptionStore(ops_url)
    try:
        [eid] = store.sync("double_apply", [_cand("y", kind="double_apply")], now_ns=1).opened
        store.acknowledge(eid, by="bo", note="n", now_ns=2)
        before = store.audit_log(eid)
        for statement in (
            update(audit).where(audit.c.exception_id == eid).values(note="rewritten"),
            delete(audit).where(audit.c.exception_id == eid),
        ):
            with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
                conn.execute(statement)
        assert store.audit_log(eid) == before
    finally:
        store.close()


def test_migrations_are_idempotent(ops_url: str) -> None:
    ExceptionStore(ops_url).close()
    store = ExceptionStore(ops_url)  # a second start applies nothing and works
    try:
        assert store.sync("sequence_gap", [_cand("g", kind="sequence_gap")], now_ns=5).opened
        with store.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            # 0002 the events outbox, 0003 the audit's by_subject, 0004 annotations
            assert version == "0004"
    finally:
        store.close()
