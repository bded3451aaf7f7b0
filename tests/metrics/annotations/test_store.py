"""Annotations in the operational store: synclens marks a start with a new
configuration and each SLO added, edited or removed, and nothing else."""

from __future__ import annotations

from metrics.annotations import Annotation, AnnotationStore
from metrics.exceptions import ExceptionStore


def test_starts_mark_what_changed(ops_url: str) -> None:
    ops = ExceptionStore(ops_url)  # SQLite and PostgreSQL
    try:
        store = AnnotationStore(ops.engine, lambda: 0)
        first = store.record_start({"port": 1}, {"a": {"o": 0.99}, "b": {"o": 0.9}}, now_ns=10)
        assert [a["title"] for a in first] == [
            "configuration loaded",
            "SLO a added",
            "SLO b added",
        ]
        assert store.record_start({"port": 1}, {"a": {"o": 0.99}, "b": {"o": 0.9}}, now_ns=20) == []
        again = store.record_start({"port": 2}, {"a": {"o": 0.995}, "c": {}}, now_ns=30)
        assert [(a["kind"], a["title"]) for a in again] == [
            ("config_reload", "configuration changed"),
            ("slo_edit", "SLO a edited"),
            ("slo_edit", "SLO b removed"),
            ("slo_edit", "SLO c added"),
        ]
        assert store.record_start({"port": 2}, {"a": {"o": 0.995}, "c": {}}, now_ns=40) == []
        made = store.add(
            Annotation("deploy", "wms 4.2", 35), by="Otto", subject="user:otto", now_ns=41
        )
        assert made["id"] > 0
        window = store.between(30, 35)
        assert [a["title"] for a in window][-1] == "wms 4.2"
        assert all(30 <= a["at_ns"] <= 35 for a in window)
        assert [a["kind"] for a in store.between(0, 100, kind="deploy")] == ["deploy"]
    finally:
        ops.close()
