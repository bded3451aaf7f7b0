"""Exception detectors (SPEC 3): plain functions of the store, incremental.

Each detector run reads what changed since the last one: the store's
group-commit sequence numbers ``(lo, hi]`` and the clock ``(last_now,
now]``. The exact rule of every kind is in docs/exceptions.md:

- ``undelivered`` / ``dead_lettered``: read ``open_pairs`` (the pairs not
  applied, or dead-lettered, kept current by :mod:`metrics.facts`); they
  resolve when the pair leaves that state (a late delivery, a replay).
- ``double_apply``: changed pairs with two or more successful attempts not
  marked ``sync.duplicate``.
- ``out_of_sequence``: (target, source, sku, location) groups with a changed
  applied pair, whose deliveries were applied in an order that inverts
  their ``sequence``.
- ``sequence_gap``: (source, sku, location) keys with new events, events
  that came due, or an open gap: each run of missing numbers whose
  successors are past their deadline; resolves when the numbers arrive.
- ``ownership_violation``: new events whose source system does not own their
  stock status.
- ``mismatch``: from each reconciliation run, by
  :func:`metrics.reconciliation.mismatches.sync_mismatches`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from collector.locations import LocationMap
from collector.queries import bind, dict_rows, named
from collector.routing import RouteTable
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.exceptions import Candidate, ExceptionStore, SyncResult
from metrics.facts import RefreshResult

sql = named("metrics.exceptions")

__all__ = ["DetectorConfig", "run_detectors"]

log = logging.getLogger(__name__)

_WATERMARK = "detectors"


@dataclass(frozen=True)
class DetectorConfig:
    routes: RouteTable
    ownership: Mapping[str, Sequence[str]]
    locations: LocationMap = field(default_factory=LocationMap)
    default_deadline_s: float = 900.0
    lookback_s: float = 86_400.0  # order ids of a mismatched key: events this recent


def run_detectors(
    store: Store,
    exceptions: ExceptionStore,
    config: DetectorConfig,
    *,
    now_ns: int,
    refresh: Callable[[], RefreshResult],
) -> dict[str, SyncResult]:
    """Bring every event-based exception kind up to date; returns what changed per kind."""
    name = f"{_WATERMARK}:{store.path}"  # one ops store may outlive a DuckDB file
    mark = exceptions.watermark(name)
    lo, last_now = mark if mark else (0, 0)
    hi = refresh().to_seq
    if hi < lo:  # the DuckDB store was replaced: start over
        lo, last_now = 0, 0
    params = {"lo": lo, "hi": hi, "now_ns": now_ns}
    out: dict[str, SyncResult] = {}
    with store.reader() as cur:
        pairs = _rows(cur, "detect_pairs", params)
        for kind in ("undelivered", "dead_lettered", "double_apply"):
            found = [_pair_candidate(kind, r) for r in pairs if r["kind"] == kind]
            incremental = kind == "double_apply"
            out[kind] = exceptions.sync(
                kind,
                found,
                now_ns=now_ns,
                checked=(lambda _row: False) if incremental else None,
            )
        out["out_of_sequence"] = _out_of_sequence(cur, exceptions, params, now_ns)
        out["sequence_gap"] = _sequence_gaps(cur, exceptions, config, params, last_now, now_ns)
        out["ownership_violation"] = _ownership(cur, exceptions, config, params, now_ns)
    exceptions.set_watermark(name, seq=hi, now_ns=now_ns)
    return out


def _rows(
    cur: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    text = sql(name)
    return dict_rows(cur.execute(text, bind(text, params)))


def _traces(row: dict[str, Any]) -> list[str]:
    ids = [t for t in (row.get("trace_ids") or []) if t]
    if row.get("event_trace_id"):
        ids.append(row["event_trace_id"])
    return sorted(set(ids))


def _pair_candidate(kind: str, r: dict[str, Any]) -> Candidate:
    what = {
        "undelivered": f"not applied to {r['target']} within its {r['deadline_ns'] / NS_PER_S:g} s "
        f"deadline ({r['attempts']} attempt(s), {r['failed']} failed)",
        "dead_lettered": f"dead-lettered on its way to {r['target']} and not replayed "
        "successfully since",
        "double_apply": f"applied {r['applies']} times to {r['target']} (no attempt marked "
        "sync.duplicate)",
    }[kind]
    return Candidate(
        kind=kind,
        identity=f"{r['source']}|{r['id']}|{r['target']}",
        reason=f"{r['type']} {r['source']}/{r['id']} ({r['sku']} at {r['location']}) {what}",
        sku=r["sku"],
        location=r["location"],
        warehouse=r["warehouse"],
        target=r["target"],
        source=r["source"],
        event_ids=[r["id"]],
        trace_ids=_traces(r),
        order_ids=[r["order_id"]] if r["order_id"] else [],
        detail={
            "event_source": r["source"],
            "event_id": r["id"],
            "event_type": r["type"],
            "event_time_ns": r["time_ns"],
            "attempts": r["attempts"],
            "failed": r["failed"],
            "applies": r["applies"],
            "error_class": r["error_class"],
        },
    )


def _out_of_sequence(
    cur: duckdb.DuckDBPyConnection,
    exceptions: ExceptionStore,
    params: dict[str, Any],
    now_ns: int,
) -> SyncResult:
    found, touched = [], set()
    for r in _rows(cur, "detect_out_of_sequence", params):
        identity = f"{r['target']}|{r['source']}|{r['sku']}|{r['location']}"
        touched.add(identity)
        if not r["event_ids"]:
            continue
        found.append(
            Candidate(
                kind="out_of_sequence",
                identity=identity,
                reason=f"{r['target']} applied {len(r['event_ids'])} event(s) of {r['source']} "
                f"for {r['sku']} at {r['location']} after one with a higher sequence "
                f"(sequences {r['sequences'][:10]})",
                sku=r["sku"],
                location=r["location"],
                warehouse=r["warehouse"],
                target=r["target"],
                source=r["source"],
                event_ids=r["event_ids"],
                trace_ids=[t for t in r["trace_ids"] if t],
                order_ids=[o for o in r["order_ids"] if o],
                detail={"sequences": r["sequences"]},
            )
        )
    return exceptions.sync(
        "out_of_sequence",
        found,
        now_ns=now_ns,
        checked=lambda row: row["identity"] in touched,
    )


def _sequence_gaps(
    cur: duckdb.DuckDBPyConnection,
    exceptions: ExceptionStore,
    config: DetectorConfig,
    params: dict[str, Any],
    last_now: int,
    now_ns: int,
) -> SyncResult:
    _, open_gaps = exceptions.search(status="unresolved", kind="sequence_gap", limit=100_000)
    keys = [(g["source"], g["sku"], g["location"]) for g in open_gaps]
    seen = [(str(t), str(s)) for t, s in cur.execute(sql("event_routes")).fetchall()]
    cur.register("det_deadlines", config.routes.deadlines(seen))
    cur.register(
        "det_gap_keys",
        pa.table(
            {
                "source": pa.array([k[0] for k in keys], pa.string()),
                "sku": pa.array([k[1] for k in keys], pa.string()),
                "location": pa.array([k[2] for k in keys], pa.string()),
            }
        ),
    )
    rows = _rows(
        cur,
        "detect_sequence_gaps",
        {
            **params,
            "since_due": last_now,
            "default_deadline_ns": int(config.default_deadline_s * NS_PER_S),
        },
    )
    cur.unregister("det_deadlines")
    cur.unregister("det_gap_keys")
    checked = {(r["source"], r["sku"], r["location"]) for r in rows if r["what"] == "key"}
    found = []
    for r in rows:
        if r["what"] != "gap":
            continue
        first, last = int(r["first_missing"]), int(r["last_missing"])
        missing = f"{first}" if first == last else f"{first}..{last}"
        found.append(
            Candidate(
                kind="sequence_gap",
                identity=f"{r['source']}|{r['sku']}|{r['location']}|{first}-{last}",
                reason=f"{r['source']} sequence {missing} for {r['sku']} at {r['location']} "
                "never arrived, and later events are past their deadline (lost before the "
                "middleware?)",
                sku=r["sku"],
                location=r["location"],
                warehouse=config.locations.warehouse(r["location"]),
                source=r["source"],
                event_ids=[i for i in (r["prev_id"], r["next_id"]) if i],
                detail={"first_missing": first, "last_missing": last},
            )
        )
    return exceptions.sync(
        "sequence_gap",
        found,
        now_ns=now_ns,
        checked=lambda row: (row["source"], row["sku"], row["location"]) in checked,
    )


def _ownership(
    cur: duckdb.DuckDBPyConnection,
    exceptions: ExceptionStore,
    config: DetectorConfig,
    params: dict[str, Any],
    now_ns: int,
) -> SyncResult:
    owned = [(status, system) for status, systems in config.ownership.items() for system in systems]
    owned += [(status, "\x00none") for status, systems in config.ownership.items() if not systems]
    cur.register(
        "det_owned",
        pa.table(
            {
                "stock_status": pa.array([o[0] for o in owned], pa.string()),
                "system": pa.array([o[1] for o in owned], pa.string()),
            }
        ),
    )
    rows = _rows(cur, "detect_ownership", params)
    cur.unregister("det_owned")
    found = []
    for r in rows:
        owners = list(config.ownership.get(r["stock_status"], ())) or ["none: derived"]
        found.append(
            Candidate(
                kind="ownership_violation",
                identity=f"{r['source']}|{r['id']}",
                reason=f"{r['source']} sent {r['type']} {r['id']} changing {r['stock_status']} "
                f"of {r['sku']} at {r['location']}, but {r['stock_status']} is owned by "
                f"{', '.join(owners)}",
                sku=r["sku"],
                location=r["location"],
                warehouse=config.locations.warehouse(r["location"]),
                target=None,
                stock_status=r["stock_status"],
                source=r["source"],
                event_ids=[r["id"]],
                trace_ids=[r["trace_id"]] if r["trace_id"] else [],
                order_ids=[r["order_id"]] if r["order_id"] else [],
                detail={"event_type": r["type"], "event_time_ns": r["time_ns"], "owners": owners},
            )
        )
    return exceptions.sync("ownership_violation", found, now_ns=now_ns, checked=lambda _row: False)
