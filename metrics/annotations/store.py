"""Annotations in the operational store: what changed, and when.

People and deploy pipelines post ``deploy`` and ``note`` annotations through
``POST /api/v1/annotations``; synclens itself records a ``config_reload``
when it starts with a configuration it has not run before, and an
``slo_edit`` per SLO added, changed or removed since the last start.  The
dashboards draw them as markers on their time charts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, insert, select

from collector.clock import Clock
from metrics.exceptions.tables import change_markers as annotations_table

__all__ = ["KINDS", "POSTED_KINDS", "Annotation", "AnnotationStore", "digest"]

Kind = Literal["deploy", "note", "config_reload", "slo_edit"]
#: every kind, and those the API accepts (the others synclens records itself)
KINDS: tuple[Kind, ...] = ("deploy", "note", "config_reload", "slo_edit")
POSTED_KINDS: tuple[Kind, ...] = ("deploy", "note")
_SYNCLENS = "synclens"


def digest(value: Any) -> str:
    """A stable SHA-256 of a JSON-able value (what was loaded, not the value)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Annotation:
    kind: Kind
    title: str
    at_ns: int
    detail: str = ""
    system: str | None = None
    digest: str | None = None


class AnnotationStore:
    """Annotations behind the operational store's engine."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def add(self, note: Annotation, *, by: str, subject: str | None, now_ns: int) -> dict[str, Any]:
        row = {
            "at_ns": note.at_ns,
            "kind": note.kind,
            "title": note.title,
            "detail": note.detail,
            "system": note.system,
            "digest": note.digest,
            "by": by,
            "by_subject": subject,
            "created_ns": now_ns,
        }
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(annotations_table).values(**row)).inserted_primary_key
        return {"id": int(new_id[0]) if new_id else 0, **row}

    def between(
        self, from_ns: int, to_ns: int, *, kind: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Annotations at ``[from_ns, to_ns]``, oldest first."""
        query = (
            select(annotations_table)
            .where(annotations_table.c.at_ns >= from_ns, annotations_table.c.at_ns <= to_ns)
            .order_by(annotations_table.c.at_ns, annotations_table.c.id)
            .limit(limit)
        )
        if kind is not None:
            query = query.where(annotations_table.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def _last_digests(self) -> tuple[str | None, dict[str, str]]:
        """The newest configuration digest, and each SLO's newest (``""``: removed)."""
        query = (
            select(annotations_table.c.kind, annotations_table.c.system, annotations_table.c.digest)
            .where(annotations_table.c.kind.in_(("config_reload", "slo_edit")))
            .order_by(annotations_table.c.id)
        )
        config: str | None = None
        slos: dict[str, str] = {}
        with self.engine.connect() as conn:
            for kind, system, found in conn.execute(query):
                if kind == "config_reload":
                    config = found
                elif system:
                    slos[system] = found or ""
        return config, slos

    def record_start(
        self, config: Mapping[str, Any], slos: Mapping[str, Any], *, now_ns: int
    ) -> list[dict[str, Any]]:
        """A ``config_reload`` when ``config`` differs from the last start's, an
        ``slo_edit`` per SLO (name -> its definition) added, changed or removed."""
        last_config, last_slos = self._last_digests()
        found: list[Annotation] = []
        config_digest = digest(config)
        if config_digest != last_config:
            title = "configuration loaded" if last_config is None else "configuration changed"
            found.append(Annotation("config_reload", title, now_ns, digest=config_digest))
        now_slos = {name: digest(spec) for name, spec in slos.items()}
        for name in sorted(set(now_slos) | {n for n, d in last_slos.items() if d}):
            before, after = last_slos.get(name) or None, now_slos.get(name)
            if before == after:
                continue
            verb = "added" if before is None else "removed" if after is None else "edited"
            found.append(
                Annotation("slo_edit", f"SLO {name} {verb}", now_ns, system=name, digest=after)
            )
        return [self.add(a, by=_SYNCLENS, subject=None, now_ns=now_ns) for a in found]
