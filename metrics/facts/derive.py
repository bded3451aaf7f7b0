"""Pair facts: SPEC 2's derived facts per (event, expected target), kept current.

Every group commit of the store has a sequence number (``seq``).  A refresh
reads what changed since the last one — events that arrived, events that
got attempts — and recomputes exactly those pairs from *all* their
attempts, so late retries, replays and out-of-order arrivals always end in
the same facts as a recomputation from scratch.  The running totals behind
the Prometheus counters and histogram move by the difference between a
pair's old and new facts, so a scrape reads a few small tables.

:func:`refresh` is a plain function of a cursor; :class:`Refresher` runs
it one at a time on a cursor of its own, beside ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from dataclasses import dataclass

import duckdb

from collector.locations import LocationMap
from collector.queries import named
from collector.queries import sql as _sql
from collector.routing import RouteTable
from collector.store import Store
from collector.timefmt import NS_PER_S
from metrics.facts.rollups import (
    add_attempts,
    add_pairs,
    fold,
    prune_rollups,
    run_statements,
    start,
)

sql = named("metrics.facts")

__all__ = [
    "ATTEMPT_SLACK_NS",
    "LATENCY_BOUNDS_S",
    "Derivation",
    "RefreshResult",
    "Refresher",
    "prune_facts",
    "refresh",
]

log = logging.getLogger(__name__)

#: attempts ending this long before the oldest changed event are not read
#: (only a clock wrong by a day puts an attempt before its event)
ATTEMPT_SLACK_NS = 86_400 * NS_PER_S
_MIN_NS = -(2**63)
#: upper bounds (seconds) of the ``synclens_sync_latency_seconds`` buckets
LATENCY_BOUNDS_S: tuple[float, ...] = (
    0.5,
    1,
    2.5,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
)


@dataclass(frozen=True, slots=True)
class Derivation:
    """What the facts depend on besides the data: routes and locations."""

    routes: RouteTable
    locations: LocationMap

    @property
    def fingerprint(self) -> str:
        blob = json.dumps(
            [sorted(map(list, self.routes.rows()), key=str), self.locations.items()],
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class RefreshResult:
    from_seq: int
    to_seq: int
    pairs: int  # pairs recomputed
    rebuilt: bool  # configuration changed: everything derived again


def refresh(cur: duckdb.DuckDBPyConnection, derivation: Derivation) -> RefreshResult:
    """Bring the derived tables up to the store's newest group commit."""
    fingerprint = derivation.fingerprint
    # one snapshot from the start: every row it sees is of a group commit <= hi
    cur.begin()
    try:
        state = cur.execute(sql("derivation_state_get"), {"name": "pair_facts"}).fetchone()
        row = cur.execute(_sql("last_seq")).fetchone()
        hi = int(row[0]) if row else 0
        rebuilt = state is None or state[1] != fingerprint
        lo = 0 if rebuilt else int(state[0]) if state else 0
        if hi == lo and not rebuilt:
            cur.rollback()
            return RefreshResult(lo, hi, 0, False)
        if rebuilt:
            cur.execute(sql("derived_clear"))
        params = {"lo": lo, "hi": hi}
        cur.execute(sql("changed_pairs"), params)
        _find_changed_events(cur, params)
        oldest = cur.execute(sql("changed_since")).fetchall()[0][0]
        start(cur)
        if oldest is not None:
            _recompute_pairs(cur, derivation, int(oldest), hi)
        _roll_attempts(cur, derivation, params)
        fold(cur)
        cur.execute(sql("attempt_totals_add"), params)
        cur.execute(sql("attempt_totals_compact"))
        counted = cur.execute("SELECT count(*) FROM changed").fetchone()
        cur.execute(
            sql("derivation_state_set"),
            {"name": "pair_facts", "seq": hi, "fingerprint": fingerprint},
        )
        cur.execute("DROP TABLE changed")
        cur.execute("DROP TABLE changed_events")
        cur.commit()
    except BaseException:
        cur.rollback()
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.unregister("pair_routes")
    pairs = int(counted[0]) if counted else 0
    log.debug(
        "pair facts: seq %d..%d, %d event keys%s", lo, hi, pairs, " (rebuilt)" if rebuilt else ""
    )
    return RefreshResult(lo, hi, pairs, rebuilt)


class Refresher:
    """Runs :func:`refresh` one at a time, on a cursor of its own.

    Not on the store's writer thread: the refresh only reads spans and
    events (from one snapshot, so its ``(lo, hi]`` range is exact) and only
    writes the derived tables, so ingest's group commits go on beside it.
    Everything that writes the derived tables goes through one Refresher.
    """

    def __init__(self, store: Store, derivation: Derivation) -> None:
        self.store = store
        self.derivation = derivation
        self._lock = threading.Lock()

    def __call__(self) -> RefreshResult:
        with self._lock, self.store.reader() as cur:
            return refresh(cur, self.derivation)

    def prune(
        self,
        *,
        before_ns: int,
        exported_ns: int | None = None,
        spans_before_ns: int | None = None,
        rollups_before_ns: int | None = None,
    ) -> int:
        """:func:`prune_facts` under the same lock (retention)."""
        with self._lock, self.store.reader() as cur, self.derivation.locations.registered(cur):
            return prune_facts(
                cur,
                before_ns=before_ns,
                exported_ns=exported_ns,
                spans_before_ns=spans_before_ns,
                rollups_before_ns=rollups_before_ns,
            )


def prune_facts(
    cur: duckdb.DuckDBPyConnection,
    *,
    before_ns: int,
    exported_ns: int | None = None,
    spans_before_ns: int | None = None,
    rollups_before_ns: int | None = None,
) -> int:
    """Delete the facts of pairs whose event happened before ``before_ns`` (the
    events' retention); the running totals keep counting them, as counters do.
    With a lake (``exported_ns``: its pair facts watermark), only the facts it
    holds and whose event the hot store no longer holds go, and the pair
    facts' hot horizon moves (``hot_horizon``: two-tier reads).

    The per-minute rollups follow the raw rows they count: without a lake,
    pair rollups before ``before_ns`` and attempt rollups before
    ``spans_before_ns`` (the spans' retention, when given) go, and the minute
    each falls in is counted again; with a lake they stay until
    ``rollups_before_ns`` (the lake's retention), as the lake keeps the rows.
    The location map must be registered on ``cur``."""
    cur.begin()
    deleted = 0
    facts = "prune_facts" if exported_ns is None else "prune_facts_held"
    params = {"before": before_ns, "exported": exported_ns}
    for name in (facts, "prune_open_pairs"):
        given = params if name == "prune_facts_held" else {"before": before_ns}
        rows = cur.execute(sql(name), given).fetchall()
        deleted += int(rows[0][0]) if rows else 0
    if exported_ns is not None:
        horizon = min(before_ns, exported_ns + 1)
        cur.execute(_sql("hot_horizon_set"), {"name": "pair_facts", "before": horizon})
    state = cur.execute(sql("derivation_state_get"), {"name": "pair_facts"}).fetchone()
    lake = exported_ns is not None
    prune_rollups(
        cur,
        pairs_before_ns=rollups_before_ns if lake else before_ns,
        attempts_before_ns=rollups_before_ns if lake else spans_before_ns,
        recount=not lake,
        hi=int(state[0]) if state else 0,
    )
    cur.commit()
    return deleted


def _find_changed_events(cur: duckdb.DuckDBPyConnection, params: dict[str, int]) -> None:
    """Fill ``changed_events``: recent events first, the whole table only for
    keys not found among them (exact either way; fast when events are new)."""
    recent = cur.execute(sql("changed_recent"), params).fetchall()[0][0]
    bound = {"recent": (int(recent) - ATTEMPT_SLACK_NS) if recent is not None else _MIN_NS}
    cur.execute(sql("changed_events"), bound)
    if cur.execute(sql("changed_missing")).fetchall()[0][0]:
        cur.execute(sql("changed_events_older"), bound)


def _recompute_pairs(
    cur: duckdb.DuckDBPyConnection, derivation: Derivation, since: int, hi: int
) -> None:
    """Replace the facts of the changed events' pairs and move the totals by
    the difference; ``since`` (the oldest changed event) bounds every scan."""
    keys = cur.execute(sql("changed_routes")).fetchall()
    cur.register("pair_routes", derivation.routes.expected_pairs(keys))
    bounds = {"bounds": [int(b * NS_PER_S) for b in LATENCY_BOUNDS_S], "since": since}
    window = {"since": since}
    cur.execute(sql("pair_totals_retract"), bounds)
    add_pairs(cur, "rollup_pairs_changed", {"since": since, "hi": hi}, sign=-1)
    cur.execute(sql("pair_facts_delete"), window)
    cur.execute(sql("open_pairs_delete"), window)
    with derivation.locations.registered(cur):
        cur.execute(sql("pair_facts_insert"), {"since": since, "slack": ATTEMPT_SLACK_NS, "hi": hi})
    add_pairs(cur, "rollup_pairs_changed", {"since": since, "hi": hi}, sign=1)
    cur.execute(sql("open_pairs_insert"), window)
    cur.execute(sql("pair_totals_add"), bounds)
    cur.execute(sql("pair_totals_compact"))


def _roll_attempts(
    cur: duckdb.DuckDBPyConnection, derivation: Derivation, params: dict[str, int]
) -> None:
    """The attempt rollups' deltas: attempts new in ``(lo, hi]``, and the
    orphans (counted under ``(unknown)``) whose event came in it, moved to
    its channel and type; then the orphans kept up to date."""
    with derivation.locations.registered(cur):
        add_attempts(cur, "rollup_attempts_new", params)
        add_attempts(cur, "rollup_attempts_moved", params)
        add_attempts(cur, "rollup_attempts_moved", params, sign=-1, unknown=True)
        run_statements(cur, "rollup_orphans", params)
