"""SKU, order and trace lineage: what happened to this item, order, message.

The queries fetch events and delivery attempts; :func:`assemble` (pure) joins
them into the chronological history of SPEC 5 with the derived facts of
SPEC 2 (applied_at, latency, first pass, dead-lettered, undelivered, double
apply) per (event, target).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from collector.locations import LocationMap
from collector.queries import Reader, dict_rows, sql
from collector.routing import RouteTable
from collector.timefmt import NS_PER_S, iso

__all__ = [
    "LineageExtra",
    "LineageQuery",
    "PairFacts",
    "assemble",
    "order_lineage",
    "pair_facts",
    "sku_lineage",
]

_MIN_NS = -(2**63)
_MAX_NS = 2**63 - 1
_SLACK_NS = 3600 * NS_PER_S


#: ``extra([(sku, location or None), ...]) -> {key: value}`` merged into a lineage
#: answer: what other layers know of those keys (the exceptions, say)
LineageExtra = Callable[[list[tuple[str, str | None]]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class LineageQuery:
    since_ns: int | None = None
    until_ns: int | None = None
    limit: int = 200

    def params(self) -> dict[str, Any]:
        return {
            "since": _MIN_NS if self.since_ns is None else self.since_ns,
            "until": _MAX_NS if self.until_ns is None else self.until_ns,
            "limit": self.limit,
        }


def _rows(
    cur: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    return dict_rows(cur.execute(sql(name), params))


def _attempts(
    cur: duckdb.DuckDBPyConnection,
    kind: str,
    params: dict[str, Any],
    events: list[dict[str, Any]],
    since: int,
) -> list[dict[str, Any]]:
    """Attempts that name the SKU (or order), and those that name neither
    SKU nor order but one of ``events``: keyed by compaction to their
    event's SKU (for a SKU, among its own; for an order, one lookup per SKU
    of its events), or not keyed yet (by the events' ``pkeys``)."""
    key = "sku" if kind == "sku" else "order_id"
    found = _rows(cur, f"lineage_attempts_by_{kind}", {key: params[key], "since": since})
    if not events:
        return found
    pkeys = [e["ekey"] for e in events]
    found += _rows(cur, "lineage_attempts_unkeyed", {"pkeys": pkeys, "since": since})
    if kind == "order":
        for lkey in sorted({e["lkey"] for e in events}):
            found += _rows(
                cur, "lineage_attempts_unlabelled", {"lkey": lkey, "pkeys": pkeys, "since": since}
            )
    return found


def _known_events(
    cur: duckdb.DuckDBPyConnection,
    keys: Iterable[tuple[str, str]],
    skus: Iterable[str],
    everywhere: Reader | None,
) -> set[tuple[str, str]]:
    """Which of ``keys`` are stored events: first among the events of
    ``skus`` (a row group or two per block), then, for any left, everywhere
    (on a reader of its own when ``cur`` sees only some SKUs' rows)."""
    left = set(keys)
    known: set[tuple[str, str]] = set()
    for sku in sorted(set(skus)):
        if not left:
            return known
        with _wanted(cur, left):
            rows = cur.execute(sql("events_known_keyed"), {"sku": sku}).fetchall()
        found = {(r[0], r[1]) for r in rows} & left
        known |= found
        left -= found
    if left and everywhere is not None:
        with everywhere() as wide, _wanted(wide, left):
            known |= {(r[0], r[1]) for r in wide.execute(sql("events_known")).fetchall()}
    elif left:
        with _wanted(cur, left):
            known |= {(r[0], r[1]) for r in cur.execute(sql("events_known")).fetchall()}
    return known


@contextmanager
def _wanted(cur: duckdb.DuckDBPyConnection, keys: Iterable[tuple[str, str]]) -> Iterator[None]:
    """Register ``keys`` as the table ``wanted(source, id)`` for one query."""
    keys = list(keys)
    cur.register("wanted", pa.table({"source": [k[0] for k in keys], "id": [k[1] for k in keys]}))
    try:
        yield
    finally:
        cur.unregister("wanted")


def _lineage(
    cur: duckdb.DuckDBPyConnection,
    kind: str,
    params: dict[str, Any],
    routes: RouteTable,
    locations: LocationMap,
    now_ns: int,
    extras: Sequence[LineageExtra],
    everywhere: Reader | None = None,
) -> dict[str, Any]:
    events, nearby = _page(cur, kind, params)
    listed = {(e["source"], e["id"]) for e in events}
    # Attempts end after their event; scanning spans only from an hour before
    # the oldest listed event keeps the scan to the page's time span.
    since = params["since"]
    if events:
        since = max(since, min(e["time_ns"] for e in events) - _SLACK_NS)
    attempts = _attempts(cur, kind, params, events, since)
    # attempts without SKU and order belong here only through a listed event
    attempts = [a for a in attempts if not a["unlabelled"] or _event_key(a) in listed]
    # attempts of stored events outside the page are not orphans: drop them;
    # orphans are kept when they started inside the window
    skus = [params["sku"]] if kind == "sku" else [e["sku"] for e in events]
    unlisted = {_event_key(a) for a in attempts} - listed
    elsewhere = (unlisted & nearby) | _known_events(cur, unlisted - nearby, skus, everywhere)
    until = params["until"]
    attempts = [
        a
        for a in attempts
        if (key_ := _event_key(a)) in listed or (key_ not in elsewhere and a["start_ns"] < until)
    ]
    result = assemble(events, attempts, pair_facts(cur, attempts), routes, now_ns=now_ns)
    result["truncated"] = len(events) >= params["limit"]
    keys: list[tuple[str, str | None]]
    if kind == "sku":
        keys = [(params["sku"], params["location"])]
    else:  # an order: its SKUs at the locations of its events
        keys = sorted({(e["sku"], e["location"]) for e in events})
    result["snapshots"] = _snapshots(cur, keys, locations, since, until)
    for extra in extras:
        result.update(extra(keys))
    return result


def _page(
    cur: duckdb.DuckDBPyConnection, kind: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], set[tuple[str, str]]]:
    """The newest ``limit`` events of the window, and the keys of the key's
    events in the hour before the oldest of them (their attempts reach into
    the page's time span: they are not orphans).

    A SKU's page is read in two steps: the time of its ``limit``-th newest
    event from the narrow columns of every block, then the events from an
    hour before it, whose wide columns are in the newest blocks only."""
    limit = params["limit"]
    horizon = None
    if kind == "sku":
        row = cur.execute(sql("lineage_events_horizon_by_sku"), params).fetchone()
        horizon = None if row is None else int(row[0])
    if horizon is None:
        return _rows(cur, f"lineage_events_by_{kind}", params), set()
    since = max(params["since"], horizon - _SLACK_NS)
    rows = _rows(cur, f"lineage_events_by_{kind}", {**params, "since": since, "limit": _MAX_NS})
    return rows[:limit], {(e["source"], e["id"]) for e in rows[limit:]}


def _event_key(attempt: dict[str, Any]) -> tuple[str, str]:
    return attempt["event_source"], attempt["event_id"]


def _snapshots(
    cur: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str | None]],
    locations: LocationMap,
    since: int,
    until: int,
) -> list[dict[str, Any]]:
    """What each system's snapshots said of the keys' SKUs in the window (at a
    key's location, or warehouse-level rows of its warehouse)."""
    out: list[dict[str, Any]] = []
    for sku, location in keys:
        params = {
            "sku": sku,
            "location": location,
            "warehouse": locations.warehouse(location),
            "since": since,
            "until": until,
        }
        for row in _rows(cur, "lineage_snapshots", params):
            out.append({"sku": sku, **row, "taken_at": iso(row["taken_ns"])})
    return out


def sku_lineage(
    cur: duckdb.DuckDBPyConnection,
    sku: str,
    *,
    location: str | None = None,
    query: LineageQuery = LineageQuery(),
    routes: RouteTable,
    locations: LocationMap,
    now_ns: int,
    extras: Sequence[LineageExtra] = (),
    everywhere: Reader | None = None,
) -> dict[str, Any]:
    """SPEC 5 ``GET /lineage``: one SKU's history, newest ``limit`` events,
    with what the systems' snapshots said and the exceptions (``extras``).
    ``cur`` may see only the SKU's rows (``TwoTier.for_sku``): ``everywhere``
    then reads the rest (which attempts' events exist elsewhere)."""
    params = {**query.params(), "sku": sku, "location": location}
    result = _lineage(cur, "sku", params, routes, locations, now_ns, extras, everywhere)
    if location is not None:
        result["orphan_attempts"] = [
            o for o in result["orphan_attempts"] if o["location"] in (None, location)
        ]
    return {"sku": sku, "location": location, **result}


def order_lineage(
    cur: duckdb.DuckDBPyConnection,
    order_id: str,
    *,
    query: LineageQuery = LineageQuery(),
    routes: RouteTable,
    locations: LocationMap,
    now_ns: int,
    extras: Sequence[LineageExtra] = (),
) -> dict[str, Any]:
    """SPEC 5 ``GET /orders/{order_id}/lineage``."""
    params = {**query.params(), "order_id": order_id}
    result = _lineage(cur, "order", params, routes, locations, now_ns, extras)
    return {"order_id": order_id, **result}


#: ``(event source, event id, target)`` -> SPEC 2's facts of that pair
PairFacts = Mapping[tuple[str, str, str], Mapping[str, Any]]

_ATTEMPT_FIELDS = pa.schema(
    [
        ("event_source", pa.string()),
        ("event_id", pa.string()),
        ("target", pa.string()),
        ("attempt", pa.int64()),
        ("replay", pa.bool_()),
        ("start_ns", pa.int64()),
        ("end_ns", pa.int64()),
        ("duplicate", pa.bool_()),
        ("dead_lettered", pa.bool_()),
        ("failed", pa.bool_()),
    ]
)


def pair_facts(cur: duckdb.DuckDBPyConnection, attempts: Sequence[dict[str, Any]]) -> PairFacts:
    """SPEC 2's facts of each (event, target) among ``attempts``, by the same SQL
    macros as the derived pair facts (``collector/sql/pair_facts_macros.sql``)."""
    if not attempts:
        return {}
    table = pa.table(
        {f.name: [a[f.name] for a in attempts] for f in _ATTEMPT_FIELDS}, schema=_ATTEMPT_FIELDS
    )
    cur.register("lineage_attempts", table)
    try:
        rows = _rows(cur, "lineage_pair_facts", {})
    finally:
        cur.unregister("lineage_attempts")
    return {(r["event_source"], r["event_id"], r["target"]): r for r in rows}


def _attempt_view(
    a: dict[str, Any], event_time_ns: int | None, event_received_ns: int | None
) -> dict[str, Any]:
    return {
        "attempt": a["attempt"],
        "replay": bool(a["replay"]),
        "outcome": "failure" if a["failed"] else "success",
        "dead_lettered": bool(a["dead_lettered"]),
        "duplicate": bool(a["duplicate"]),
        "error_type": a["error_type"],
        "http_status": a["http_status"],
        "status_message": a["status_message"],
        "start": iso(a["start_ns"]),
        "end": iso(a["end_ns"]),
        "latency_s": None if event_time_ns is None else (a["end_ns"] - event_time_ns) / NS_PER_S,
        "trace_id": a["trace_id"],
        "span_id": a["span_id"],
        "before_event": event_received_ns is not None and a["received_ns"] < event_received_ns,
    }


def _target_view(
    target: str,
    attempts: Sequence[dict[str, Any]],
    facts: Mapping[str, Any] | None,
    event: dict[str, Any] | None,
    expected: bool,
    deadline_s: float | None,
    objective_s: float | None,
    now_ns: int,
) -> dict[str, Any]:
    ordered = sorted(attempts, key=lambda a: (a["start_ns"], a["attempt"] or 0, a["span_id"]))
    time_ns = event["time_ns"] if event else None
    views = [_attempt_view(a, time_ns, event["received_ns"] if event else None) for a in ordered]
    facts = facts or {}  # no attempt: no facts
    applied = facts.get("applied_ns")
    if facts.get("dead_lettered"):
        state = "dead_lettered"
    elif applied is not None:
        state = "applied"
    elif (
        time_ns is not None and deadline_s is not None and time_ns + deadline_s * NS_PER_S < now_ns
    ):
        state = "undelivered"
    else:
        state = "pending"
    latency = None if applied is None or time_ns is None else (applied - time_ns) / NS_PER_S
    return {
        "target": target,
        "expected": expected,
        "state": state,
        "applied_at": iso(applied),
        "latency_s": latency,
        "within_objective": None
        if latency is None or objective_s is None
        else latency <= objective_s,
        "first_pass": facts.get("first_pass"),
        "double_apply": facts.get("applies", 0) >= 2,
        "deadline_s": deadline_s,
        "latency_objective_s": objective_s,
        "attempts": views,
    }


def assemble(
    events: Sequence[dict[str, Any]],
    attempts: Sequence[dict[str, Any]],
    facts: PairFacts,
    routes: RouteTable,
    *,
    now_ns: int,
) -> dict[str, Any]:
    """Join events, their attempts and the attempts' pair facts
    (:func:`pair_facts`) into a chronological history (pure)."""
    by_event: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for a in attempts:
        by_event[(a["event_source"], a["event_id"])][a["target"]].append(a)
    out_events = []
    for e in sorted(events, key=lambda e: (e["time_ns"], e["source"], e["id"])):
        rule = routes.lookup(e["type"], e["system"])
        seen = by_event.pop((e["source"], e["id"]), {})
        expected = rule.targets if rule else ()
        targets = [
            _target_view(
                t,
                seen.get(t, ()),
                facts.get((e["source"], e["id"], t)),
                e,
                t in expected,
                rule.deadline_s if rule else None,
                rule.latency_objective_s if rule else None,
                now_ns,
            )
            for t in (*expected, *sorted(set(seen) - set(expected)))
        ]
        out_events.append(
            {
                "source": e["source"],
                "id": e["id"],
                "type": e["type"],
                "time": iso(e["time_ns"]),
                "system": e["system"],
                "sku": e["sku"],
                "location": e["location"],
                "to_location": e["to_location"],
                "quantity": e["quantity"],
                "stock_status": e["stock_status"],
                "uom": e["uom"],
                "order_id": e["order_id"],
                "channel": e["channel"],
                "sequence": e["sequence"],
                "lot": e["lot"],
                "serial": e["serial"],
                "reason": e["reason"],
                "trace_id": e["trace_id"],
                # CloudEvents extension attributes as sent (e.g. rma), {} for none
                "extensions": json.loads(e["extensions"]) if e.get("extensions") else {},
                "received_at": iso(e["received_ns"]),
                "attempts_seen": bool(seen),
                "targets": targets,
            }
        )
    orphans = []
    for (source, event_id), per_target in sorted(by_event.items()):
        any_attempt = next(iter(per_target.values()))[0]
        orphans.append(
            {
                "event_source": source,
                "event_id": event_id,
                "event_missing": True,
                "location": any_attempt["location"],
                "first_seen": iso(min(a["start_ns"] for ts in per_target.values() for a in ts)),
                "targets": [
                    _target_view(
                        t, ts, facts.get((source, event_id, t)), None, False, None, None, now_ns
                    )
                    for t, ts in sorted(per_target.items())
                ],
            }
        )
    return {"events": out_events, "orphan_attempts": orphans}
