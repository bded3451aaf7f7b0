"""Maintenance windows: planned downtime of targets or warehouses
(``kind: Maintenance`` documents in the SLO folder, docs/slos.md).

A window is one-off (``start`` .. ``end``) or weekly (``recurring``: at a
UTC time of day on some weekdays, for a duration).  Its **scope** is a set
of targets, a set of warehouses, or both (then a pair must match both).
During an occurrence ``[start, end)``:

- a pair ``(event, target)`` in scope is **excluded** from the SLIs and the
  budgets of ``GET /api/v1/slos`` when its delivery period ``[event time,
  event time + deadline)`` overlaps the occurrence;
- a delivery attempt in scope is excluded when it ended inside it;
- the generated ``SynclensMaintenance`` alert fires, and Alertmanager
  inhibits the alerts of the same scope (or ``synclens alerts silences``
  writes silences for it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from collector.timefmt import NS_PER_S
from metrics.slo.documents import (
    LABEL_VALUE,
    Named,
    SloError,
    Strict,
    is_kind,
    read_text,
    yaml_documents,
    yaml_files,
)
from metrics.slo.spec import SHIPPED_SLO_DIR, duration_s

__all__ = [
    "DEADLINE_HORIZON_NS",
    "WEEKDAYS",
    "Exclusion",
    "Maintenance",
    "exclusions",
    "load_maintenance",
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_S = 7 * 86_400
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

#: a pair is left out when its delivery period overlaps maintenance: the
#: occurrences to look for run this far past now (a route's deadline is shorter)
DEADLINE_HORIZON_NS = _WEEK_S * NS_PER_S

#: ``(target or None, warehouse or None, start_ns, end_ns)``: one occurrence of one scope
Exclusion = tuple[str | None, str | None, int, int]


class _Recurring(Strict):
    weekdays: tuple[Weekday, ...] = WEEKDAYS
    at: str
    duration: str

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        if not _AT.match(value):
            raise ValueError(f"at {value!r} must be a UTC time of day HH:MM")
        return value

    @model_validator(mode="after")
    def _duration(self) -> _Recurring:
        seconds = duration_s(self.duration)
        if seconds % 60 or seconds > _WEEK_S:
            raise ValueError(f"duration {self.duration} must be whole minutes, at most 7d")
        if not self.weekdays:
            raise ValueError("weekdays must name at least one day")
        return self


class _Spec(Strict):
    description: str = ""
    targets: tuple[str, ...] = ()
    warehouses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    recurring: _Recurring | None = None

    @model_validator(mode="after")
    def _shape(self) -> _Spec:
        if not self.targets and not self.warehouses:
            raise ValueError("a maintenance window names targets, warehouses or both")
        for value in (*self.targets, *self.warehouses):
            if not LABEL_VALUE.match(value):
                raise ValueError(f"{value!r} must be non-empty, without quotes")
        one_off = self.start is not None or self.end is not None
        if one_off == (self.recurring is not None):
            raise ValueError("give either start and end (one-off) or recurring")
        if one_off:
            if self.start is None or self.end is None:
                raise ValueError("a one-off window needs both start and end")
            if self.start.tzinfo is None or self.end.tzinfo is None:
                raise ValueError("start and end need a time zone (e.g. 2026-12-05T22:00:00Z)")
            if self.end <= self.start:
                raise ValueError("end must come after start")
        return self


class _Document(Strict):
    api_version: Literal["synclens/v1"] = Field(alias="apiVersion")
    kind: Literal["Maintenance"]
    metadata: Named
    spec: _Spec


class Maintenance(BaseModel):
    """One maintenance window, validated: one-off (``start_ns`` .. ``end_ns``)
    or weekly (``starts``: minutes of the UTC week, each lasting ``duration_s``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    targets: tuple[str, ...]
    warehouses: tuple[str, ...]
    start_ns: int | None = None
    end_ns: int | None = None
    #: recurring: minutes since Monday 00:00 UTC at which an occurrence starts
    starts: tuple[int, ...] = ()
    duration_s: int = 0
    source: str = ""

    @property
    def scopes(self) -> list[tuple[str | None, str | None]]:
        """``(target, warehouse)`` pairs covered; None: any."""
        targets: Sequence[str | None] = self.targets or (None,)
        warehouses: Sequence[str | None] = self.warehouses or (None,)
        return [(t, w) for t in targets for w in warehouses]

    def occurrences(self, from_ns: int, to_ns: int) -> Iterator[tuple[int, int]]:
        """Every occurrence ``[start, end)`` that overlaps ``[from_ns, to_ns)``."""
        if self.start_ns is not None and self.end_ns is not None:
            if self.start_ns < to_ns and self.end_ns > from_ns:
                yield self.start_ns, self.end_ns
            return
        span = self.duration_s * NS_PER_S
        week = _WEEK_S * NS_PER_S
        # 1970-01-01 was a Thursday: Monday 00:00 UTC falls 4 days later, modulo a week
        monday0 = 4 * 86_400 * NS_PER_S
        first = (from_ns - span - monday0) // week * week + monday0
        found = []
        for base in range(first, to_ns, week):
            for minute in self.starts:
                start = base + minute * 60 * NS_PER_S
                if start < to_ns and start + span > from_ns:
                    found.append((start, start + span))
        yield from sorted(found)


def _resolve(doc: _Document, source: str) -> Maintenance:
    spec = doc.spec
    common = {
        "name": doc.metadata.name,
        "description": spec.description.strip(),
        "targets": spec.targets,
        "warehouses": spec.warehouses,
        "source": source,
    }
    if spec.recurring is None:
        assert spec.start is not None and spec.end is not None
        return Maintenance(
            **common,
            start_ns=round(spec.start.timestamp() * 1_000_000) * 1000,
            end_ns=round(spec.end.timestamp() * 1_000_000) * 1000,
        )
    hour, minute = (int(x) for x in spec.recurring.at.split(":"))
    starts = sorted(
        {WEEKDAYS.index(d) * 1440 + hour * 60 + minute for d in spec.recurring.weekdays}
    )
    return Maintenance(
        **common, starts=tuple(starts), duration_s=duration_s(spec.recurring.duration)
    )


def maintenance_from_mapping(raw: object, where: str, source: str = "") -> Maintenance:
    try:
        return _resolve(_Document.model_validate(raw), source)
    except (ValidationError, ValueError) as exc:
        raise SloError(f"{where}: {exc}") from exc


def load_maintenance(directory: Path | str | None = None) -> list[Maintenance]:
    """Every ``kind: Maintenance`` document of an SLO folder (default: the shipped one), by name."""
    found: dict[str, Maintenance] = {}
    for path in yaml_files(SHIPPED_SLO_DIR if directory is None else Path(directory)):
        for i, raw in yaml_documents(read_text(path), path.name):
            if not is_kind(raw, "Maintenance"):
                continue
            window = maintenance_from_mapping(raw, f"{path.name} (document {i})", path.name)
            if window.name in found:
                raise SloError(
                    f"{path.name}: maintenance window {window.name!r} is already defined "
                    f"in {found[window.name].source}"
                )
            found[window.name] = window
    return [found[name] for name in sorted(found)]


def exclusions(windows: Sequence[Maintenance], from_ns: int, to_ns: int) -> list[Exclusion]:
    """One row per scope and occurrence overlapping ``[from_ns, to_ns)``: what
    :func:`metrics.slis.compute_slis` leaves out (``excluded=``)."""
    return [
        (target, warehouse, start, end)
        for window in windows
        for start, end in window.occurrences(from_ns, to_ns)
        for target, warehouse in window.scopes
    ]
