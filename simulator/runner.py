"""The clock loop: runs the model, the middleware and the telemetry, sends, records truth.

:func:`simulate` is the plain function the CLI and ``synclens demo`` call
(in a thread if they like: pass ``stop``). :func:`run` is the same loop over
any :class:`~simulator.transport.Transport`.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from simulator.clock import NS_PER_S

from .clock import Scheduler
from .events import Event, rfc3339
from .faults import FaultProfile, Outage, load_profile
from .middleware import Middleware
from .model import FlowKnobs, Model
from .network import (
    DEADLINE_S,
    LATENCY_OBJECTIVE_S,
    RETURNS,
    ROUTES,
    Network,
    build_network,
    route_targets,
)
from .planned import add_planned, planned_windows
from .progress import Progress, Summary
from .reconcile import Snap, reconcile
from .telemetry import Telemetry, traceparent
from .transport import BackgroundTransport, HttpTransport, Snapshot, Transport
from .truth import TruthRecorder

__all__ = ["RunOptions", "Summary", "feed_demo", "run", "simulate"]

log = logging.getLogger(__name__)

_SNAPSHOT_STAGGER_NS = 3 * NS_PER_S  # system i of a round snapshots i * 3 s after the round starts


def _ns(seconds: float) -> int:
    return round(seconds * 1_000_000) * 1000


@dataclass(frozen=True)
class RunOptions:
    seed: int = 0
    profile: str | Path | FaultProfile = "realistic"
    duration_s: float = 3600.0
    speed: float | None = None  # simulated seconds per wall second; None: as fast as possible
    start_ns: int | None = None  # default: now - duration if accelerated (a backfill), else now
    skus: int = 500
    warehouses: int = 3
    knobs: FlowKnobs = field(default_factory=FlowKnobs)
    snapshot_interval_s: float = 300.0
    truth_path: Path | None = None
    truth_full_rounds: bool = False
    #: planned outages (``Outage(planned=True)``) on top of the profile's
    planned_outages: tuple[Outage, ...] = ()
    event_batch: int = 1000
    span_batch: int = 8000
    progress: bool = False


class _Run:
    """One run's wiring: model -> middleware -> telemetry -> transport, and truth."""

    def __init__(
        self, opts: RunOptions, transport: Transport, profile: FaultProfile, start_ns: int
    ) -> None:
        self.opts = opts
        self.transport = transport
        self.profile = profile
        self.start_ns = start_ns
        self.end_ns = start_ns + _ns(opts.duration_s)
        seed = opts.seed
        self.network: Network = build_network(skus=opts.skus, warehouses=opts.warehouses, seed=seed)
        self.sched = Scheduler(start_ns)
        self._frng = random.Random(f"faults:{seed}")
        self._mrng = random.Random(f"middleware:{seed}")
        outages = profile.outages + opts.planned_outages + self._random_outages()
        self.planned = planned_windows(outages, start_ns)
        self.middleware = Middleware(
            self.network, profile, self._mrng, start_ns=start_ns, outages=outages
        )
        self.telemetry = Telemetry(seed)
        tag = hashlib.sha1(f"{seed}:{start_ns}".encode()).hexdigest()[:6]
        self.model = Model(
            self.network, opts.knobs, profile, self.sched,
            random.Random(f"flows:{seed}"), random.Random(f"model-faults:{seed}"), self.emit,
            run_tag=tag, sequence_base=start_ns // 1_000_000,
        )  # fmt: skip
        self.summary = Summary(
            seed=seed,
            profile=profile.name,
            sim_start_ns=start_ns,
            sim_end_ns=self.end_ns,
            wall_s=0.0,
        )
        self.truth = TruthRecorder(
            {
                "seed": seed,
                "profile": profile.describe(),
                "start_ns": start_ns,
                "duration_s": opts.duration_s,
                "skus": opts.skus,
                "warehouses": [w.code for w in self.network.warehouses],
                "systems": sorted(self.network.systems),
                "knobs": vars(opts.knobs),
                "snapshot_interval_s": opts.snapshot_interval_s,
                "routes": {
                    t: {
                        "targets": list(ts),
                        "deadline_s": DEADLINE_S,
                        "latency_objective_s": LATENCY_OBJECTIVE_S,
                    }
                    for t, ts in ROUTES.items()
                },
                "tolerance": 0,
                "outages": [vars(o) for o in outages],
            },
            full_rounds=opts.truth_full_rounds,
        )
        self._events_buf: list[dict[str, Any]] = []
        self._spans_buf: list[ReadableSpan] = []
        self._applied: dict[str, list[tuple[Event, int | None]]] = {
            s: [] for s in self.network.systems
        }
        self._round = 0
        self._latest: tuple[dict[str, Snap], dict[str, list[tuple[Event, int | None]]]] | None = (
            None
        )

    def _random_outages(self) -> tuple[Outage, ...]:
        out: list[Outage] = []
        rng = self._frng
        days = self.opts.duration_s / 86400
        targets = sorted({t for ts in ROUTES.values() for t in ts})
        for target in targets:
            rates = self.profile.rates(target)
            if rates.outages_per_day <= 0:
                continue
            t = rng.expovariate(rates.outages_per_day / 86400)
            while t < days * 86400:
                lo, hi = rates.outage_duration_s
                out.append(
                    Outage(
                        target=target, start_s=round(t, 3), duration_s=round(rng.uniform(lo, hi), 3)
                    )
                )
                t += rng.expovariate(rates.outages_per_day / 86400)
        return tuple(out)

    # -- the pipeline of one event -------------------------------------------

    def emit(self, ev: Event) -> None:
        rng = self._frng
        rates = self.profile.rates(None, ev.location.split("/", 1)[0])
        self.summary.events += 1
        if rates.lost > 0 and rng.random() < rates.lost:
            self.summary.lost += 1
            self.truth.add_event(ev, lost=True, traceparent=None)
            return
        # the source applied it when it happened (only events synclens sees count in corrections)
        self._applied[ev.source].append((ev, ev.time_ns))
        resend = rates.duplicate > 0 and rng.random() < rates.duplicate
        publish_ns = ev.time_ns + _ns(rng.uniform(0.01, 0.3))
        producer = self.telemetry.producer(ev, publish_ns)
        assert producer.context is not None
        tp = traceparent(producer.context)
        self.truth.add_event(ev, lost=False, traceparent=tp)
        ce = ev.to_cloudevent(tp)
        self.sched.at(ev.time_ns, partial(self._queue_event, ce))
        self.sched.at(publish_ns, partial(self._queue_span, producer))
        republish_ns: int | None = None
        if resend:
            republish_ns = publish_ns + _ns(rng.uniform(5, 300))
            self.truth.add_resend(ev, republish_ns)
            self.sched.at(republish_ns, partial(self._queue_event, ce))
        for target in route_targets(ev.type, ev.source):
            plan = self.middleware.plan(ev, target, publish_ns, republish_ns=republish_ns)
            self.truth.add_pair(plan)
            applied_ns = min((a.end_ns for a in plan.attempts if a.success), default=None)
            self._applied[plan.target_instance].append((ev, applied_ns))
            for a in plan.attempts:
                span = self.telemetry.attempt(ev, a, producer.context)
                self.sched.at(a.end_ns, partial(self._queue_span, span))
                if a.applies:
                    self.sched.at(a.end_ns, partial(self.model.books.apply, a.target_instance, ev))

    # -- snapshots -----------------------------------------------------------

    def schedule_rounds(self) -> None:
        interval = _ns(self.opts.snapshot_interval_s)
        spread = len(self._snapshotting()) * _SNAPSHOT_STAGGER_NS
        t = self.start_ns + interval
        while t + spread <= self.end_ns:
            self.sched.at(t, partial(self._round_at, t))
            t += interval

    def _snapshotting(self) -> list[str]:
        """Systems that keep stock (the returns platform keeps none)."""
        return [s for s in sorted(self.network.systems) if s != RETURNS]

    def _round_at(self, t0: int) -> None:
        instances = self._snapshotting()
        snaps: dict[str, Snap] = {}
        for i, inst in enumerate(instances):
            taken = t0 + i * _SNAPSHOT_STAGGER_NS
            self.sched.at(taken, partial(self._snapshot, inst, taken, snaps, len(instances)))

    def _snapshot(self, inst: str, taken: int, snaps: dict[str, Snap], n: int) -> None:
        rows = self.model.books.rows(inst)
        snaps[inst] = Snap(inst, taken, rows)
        spec = self.network.systems[inst]
        self.transport.send_snapshot(Snapshot(spec.system, spec.instance, rfc3339(taken), rows))
        self.summary.snapshots += 1
        if len(snaps) == n:
            detail = self.opts.truth_full_rounds
            results = reconcile(self.network, snaps, self._applied, detail=detail)
            self.truth.add_round(self._round, snaps, results)
            if not detail:  # kept to detail the latest round at the end
                self._latest = (snaps, {k: list(v) for k, v in self._applied.items()})
            self._round += 1
            self._prune(min(s.taken_ns for s in snaps.values()))

    def _prune(self, before_ns: int) -> None:
        for inst, entries in self._applied.items():
            self._applied[inst] = [
                (ev, at)
                for ev, at in entries
                if at is None or at > before_ns or ev.time_ns > before_ns
            ]

    def detail_latest_round(self) -> None:
        if self._latest is not None:
            snaps, applied = self._latest
            self.truth.set_latest(snaps, reconcile(self.network, snaps, applied, detail=True))

    # -- sending -------------------------------------------------------------

    def _queue_event(self, ce: dict[str, Any]) -> None:
        self._events_buf.append(ce)

    def _queue_span(self, span: ReadableSpan) -> None:
        self._spans_buf.append(span)

    def flush(self, force: bool = True) -> None:
        if self._events_buf and (force or len(self._events_buf) >= self.opts.event_batch):
            self.transport.send_events(self._events_buf)
            self._events_buf = []
        if self._spans_buf and (force or len(self._spans_buf) >= self.opts.span_batch):
            self.summary.spans += len(self._spans_buf)
            self.transport.send_spans(self._spans_buf)
            self._spans_buf = []


def run(opts: RunOptions, transport: Transport, *, stop: threading.Event | None = None) -> Summary:
    """Run one simulation over ``transport``; returns its summary (with ``truth``)."""
    profile = load_profile(opts.profile)
    start_ns = opts.start_ns
    if start_ns is None:
        # accelerated: a backfill that ends now; paced: from now on
        back = _ns(opts.duration_s) if opts.speed is None else 0
        start_ns = (time.time_ns() - back) // 1000 * 1000
    r = _Run(opts, transport, profile, start_ns)
    r.model.opening_balance()
    r.model.start()
    r.schedule_rounds()
    progress = Progress(opts.progress, start_ns, r.end_ns)
    wall0 = time.monotonic()
    last_flush = wall0
    # the past (a backfill) runs as fast as possible; from the present on, ``speed`` paces
    anchor_ns = max(start_ns, time.time_ns())
    sched = r.sched
    while True:
        t = sched.next_time()
        if t is None or t > r.end_ns:
            break
        if stop is not None and stop.is_set():
            r.summary.stopped = True
            break
        if opts.speed is not None:
            due = wall0 + max(0, t - anchor_ns) / NS_PER_S / opts.speed
            while True:
                wait = due - time.monotonic()
                if wait <= 0 or (stop is not None and stop.is_set()):
                    break
                if time.monotonic() - last_flush > 1.0:
                    r.flush()
                    last_flush = time.monotonic()
                time.sleep(min(wait, 0.25))
            if stop is not None and stop.is_set():
                r.summary.stopped = True
                break
        sched.run_next()
        r.flush(force=False)
        progress.update(sched.now_ns, r.summary)
    end_ns = sched.now_ns if r.summary.stopped else r.end_ns
    r.flush()
    progress.update(end_ns, r.summary, force=True)
    progress.done()
    r.telemetry.shutdown()
    r.detail_latest_round()
    truth = r.truth.finalize(end_ns, r.model.injected)
    add_planned(truth, r.planned)
    s = r.summary
    s.sim_end_ns = end_ns
    s.pairs = len(truth["pairs"])
    s.attempts = sum(len(p["attempts"]) for p in truth["pairs"])
    s.failed_attempts = sum(1 for p in truth["pairs"] for a in p["attempts"] if not a["success"])
    s.resent = len(truth["duplicates_sent"])
    s.wall_s = time.monotonic() - wall0
    s.truth = truth
    if opts.truth_path is not None:
        TruthRecorder.write(truth, opts.truth_path)
        s.truth_path = opts.truth_path
    return s


def simulate(
    target: str,
    *,
    seed: int = 0,
    profile: str | Path = "realistic",
    duration_s: float = 3600.0,
    speed: float | None = None,
    start_ns: int | None = None,
    truth_path: Path | None = None,
    token: str | None = None,
    stop: threading.Event | None = None,
    progress: bool = False,
    skus: int = 500,
    warehouses: int = 3,
    knobs: FlowKnobs | None = None,
    snapshot_interval_s: float = 300.0,
    snapshot_format: str = "json",
    planned_outages: tuple[Outage, ...] = (),
) -> Summary:
    """Simulate the network against the collector at ``target`` (its base URL).

    ``snapshot_format``: ``json`` (SPEC 1.3's JSON body) or ``parquet``.
    """
    opts = RunOptions(
        seed=seed,
        profile=profile,
        duration_s=duration_s,
        speed=speed,
        start_ns=start_ns,
        skus=skus,
        warehouses=warehouses,
        knobs=knobs or FlowKnobs(),
        planned_outages=planned_outages,
        snapshot_interval_s=snapshot_interval_s,
        truth_path=truth_path,
        progress=progress,
    )
    wall0 = time.monotonic()
    transport = BackgroundTransport(
        HttpTransport(target, token=token, snapshot_format=snapshot_format)
    )
    try:
        summary = run(opts, transport, stop=stop)
    except BaseException:
        with contextlib.suppress(Exception):
            transport.close()
        raise
    transport.close()  # waits for the last sends; raises the sender's error, if any
    summary.wall_s = time.monotonic() - wall0
    return summary


def feed_demo(
    target: str,
    *,
    seed: int = 7,
    profile: str | Path = "realistic",
    backfill_s: float = 2 * 3600.0,
    token: str | None = None,
    stop: threading.Event | None = None,
    knobs: FlowKnobs | None = None,
    max_duration_s: float = 7 * 86400.0,
) -> Summary:
    """``synclens demo``'s feed: ``backfill_s`` of history at full speed, then real time.

    Runs until ``stop`` is set (or ``max_duration_s`` after the backfill start);
    keeps no truth file. Call it in a thread.
    """
    start_ns = (time.time_ns() - _ns(backfill_s)) // 1000 * 1000
    return simulate(
        target,
        seed=seed,
        profile=profile,
        duration_s=max_duration_s,
        speed=1.0,
        start_ns=start_ns,
        token=token,
        stop=stop,
        knobs=knobs,
    )
