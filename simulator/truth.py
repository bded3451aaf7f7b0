"""Ground truth: what the simulator injected and what synclens must then report.

Facts follow SPEC section 2 to the letter, computed from the attempts that
were actually emitted by the run's end (``end_ns``). The file format is
documented in docs/truth-format.md.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.clock import NS_PER_S

from .events import Event
from .middleware import Attempt, PairPlan
from .model import Injected
from .network import DEADLINE_S, LATENCY_OBJECTIVE_S, OWNERS, route_targets, system_of
from .reconcile import KeyResult, RoundResult, Snap

__all__ = ["TRUTH_VERSION", "TruthRecorder", "load_truth"]

TRUTH_VERSION = 1


def _attempt_dict(a: Attempt) -> dict[str, Any]:
    return {
        "attempt": a.attempt,
        "replay": a.replay,
        "success": a.success,
        "dead_lettered": a.dead_lettered,
        "duplicate": a.duplicate,
        "applies": a.applies,
        "start_ns": a.start_ns,
        "end_ns": a.end_ns,
        "error_type": a.error_type,
        "http_status": a.http_status,
        "trace_id": a.trace_id,
        "span_id": a.span_id,
    }


def _key_result(r: KeyResult) -> dict[str, Any]:
    system, instance = r.instance.split("/", 1)
    return {
        "system": system,
        "instance": instance,
        "owner": r.owner,
        "sku": r.sku,
        "location": r.location,
        "stock_status": r.stock_status,
        "quantity": r.quantity,
        "owner_quantity": r.owner_quantity,
        "raw": r.raw,
        "corrected": r.corrected,
        "result": r.result,
        "lot": r.lot,
    }


@dataclass
class _EventRec:
    event: Event
    lost: bool
    traceparent: str | None


class TruthRecorder:
    def __init__(self, config: dict[str, Any], *, full_rounds: bool) -> None:
        """``full_rounds``: keep every round's snapshots and key results, not only the last."""
        self._config = config
        self._full_rounds = full_rounds
        self._events: list[_EventRec] = []
        self._pairs: list[PairPlan] = []
        self._resent: list[tuple[tuple[str, str], int]] = []
        self._rounds: list[dict[str, Any]] = []
        self._last: tuple[dict[str, Any], dict[str, Snap], list[KeyResult]] | None = None

    def add_event(self, event: Event, *, lost: bool, traceparent: str | None) -> None:
        self._events.append(_EventRec(event, lost, traceparent))

    def add_pair(self, plan: PairPlan) -> None:
        self._pairs.append(plan)

    def add_resend(self, event: Event, t_ns: int) -> None:
        self._resent.append((event.key, t_ns))

    def add_round(self, index: int, snaps: dict[str, Snap], rnd_result: RoundResult) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        for inst, n in rnd_result.matches.items():
            counts[inst]["match"] = n
        for r in rnd_result.results:
            if r.result != "match":
                counts[r.instance][r.result] += 1
        rnd: dict[str, Any] = {
            "round": index,
            "taken_at_ns": {inst: s.taken_ns for inst, s in snaps.items()},
            "counts": {inst: dict(c) for inst, c in sorted(counts.items())},
            "not_matching": [_key_result(r) for r in rnd_result.results if r.result != "match"],
        }
        if self._full_rounds:
            rnd.update(self._full(snaps, rnd_result.results))
        self._rounds.append(rnd)
        self._last = (rnd, snaps, rnd_result.results)

    def set_latest(self, snaps: dict[str, Snap], rnd_result: RoundResult) -> None:
        """The last round again, with every key (``add_round`` may have kept non-matches only)."""
        assert self._last is not None
        self._last = (self._last[0], snaps, rnd_result.results)

    @staticmethod
    def _full(snaps: dict[str, Snap], results: list[KeyResult]) -> dict[str, Any]:
        return {
            "snapshots": {
                inst: [
                    {
                        "sku": k[0],
                        "location": k[1],
                        "stock_status": k[2],
                        "quantity": q,
                    }
                    | ({"lot": k[3]} if k[3] else {})
                    for k, q in sorted(s.rows.items())
                ]
                for inst, s in snaps.items()
            },
            "results": [_key_result(r) for r in results],
        }

    # -- derived facts -------------------------------------------------------

    def finalize(self, end_ns: int, injected: list[Injected]) -> dict[str, Any]:
        deadline_ns = int(DEADLINE_S * NS_PER_S)
        events_out = []
        for rec in self._events:
            ev = rec.event
            events_out.append(
                {
                    "source": ev.source,
                    "id": ev.id,
                    "type": ev.type,
                    "time_ns": ev.time_ns,
                    "sku": ev.sku,
                    "location": ev.location,
                    "to_location": ev.to_location,
                    "quantity": ev.quantity,
                    "order_id": ev.order_id,
                    "channel": ev.channel,
                    "stock_status": ev.stock_status,
                    "sequence": ev.sequence,
                    "lot": ev.lot or None,
                    "lost": rec.lost,
                    "traceparent": rec.traceparent,
                    "targets": list(route_targets(ev.type, ev.source)),
                }
            )
        pairs_out = []
        fp_good = fp_total = lat_good = lat_total = 0
        api: dict[str, Counter[str]] = defaultdict(Counter)
        replays = undelivered = double = 0
        applied_by: dict[tuple[str, str, str, str], list[tuple[int, int, str]]] = defaultdict(list)
        for plan in self._pairs:
            ev = plan.event
            attempts = [a for a in plan.attempts if a.end_ns <= end_ns]
            ok = [a for a in attempts if a.success]
            applied_ns = min((a.end_ns for a in ok), default=None)
            latency_s = (applied_ns - ev.time_ns) / NS_PER_S if applied_ns is not None else None
            first_pass = any(a.attempt == 1 and not a.replay and a.success for a in attempts)
            parked = [a for a in attempts if a.dead_lettered]
            dead = bool(parked) and not any(
                a.success and a.start_ns > max(p.start_ns for p in parked) for a in attempts
            )
            undeliv = applied_ns is None and ev.time_ns + deadline_ns < end_ns
            dbl = sum(1 for a in ok if not a.duplicate) >= 2
            if attempts:
                fp_total += 1
                fp_good += first_pass
            if applied_ns is not None:
                lat_total += 1
                lat_good += latency_s is not None and latency_s <= LATENCY_OBJECTIVE_S
                applied_by[(plan.target, ev.source, ev.sku, ev.location)].append(
                    (applied_ns, ev.sequence, ev.id)
                )
            for a in attempts:
                api[plan.target]["total"] += 1
                api[plan.target]["failed"] += not a.success
                replays += a.replay
            undelivered += undeliv
            double += dbl
            pairs_out.append(
                {
                    "source": ev.source,
                    "id": ev.id,
                    "target": plan.target,
                    "target_instance": plan.target_instance,
                    "attempts": [_attempt_dict(a) for a in attempts],
                    "applied_ns": applied_ns,
                    "latency_s": latency_s,
                    "first_pass": first_pass,
                    "undelivered": undeliv,
                    "dead_lettered": dead,
                    "double_apply": dbl,
                    "out_of_order_injected": plan.out_of_order,
                }
            )
        out_of_sequence = []
        for (target, source, sku, loc), applied in sorted(applied_by.items()):
            applied.sort()
            best = -1
            inverted = []
            for _, seq, eid in applied:
                if seq < best:
                    inverted.append(eid)
                best = max(best, seq)
            if inverted:
                out_of_sequence.append(
                    {
                        "target": target,
                        "source": source,
                        "sku": sku,
                        "location": loc,
                        "event_ids": inverted,
                    }
                )
        gaps = self._gaps(end_ns, deadline_ns)
        violations = [
            {"source": r.event.source, "id": r.event.id, "stock_status": r.event.stock_status}
            for r in self._events
            if not r.lost and system_of(r.event.source) not in OWNERS.get(r.event.stock_status, ())
        ]
        resent = [
            {"source": k[0], "id": k[1], "resent_ns": t} for k, t in self._resent if t <= end_ns
        ]
        faults = self._faults(end_ns, injected)
        api_total = Counter[str]()
        for c in api.values():
            api_total.update(c)
        slis = {
            "first_pass": {"good": fp_good, "total": fp_total},
            "latency": {"good": lat_good, "total": lat_total},
            "api_failure": {
                "failed": api_total["failed"],
                "total": api_total["total"],
                "by_target": {t: dict(c) for t, c in sorted(api.items())},
            },
            "replays": replays,
            "duplicates": len(resent),
            "undelivered": undelivered,
            "double_applies": double,
            "dead_lettered": sum(1 for p in pairs_out if p["dead_lettered"]),
        }
        return {
            "version": TRUTH_VERSION,
            "config": {**self._config, "end_ns": end_ns},
            "events": events_out,
            "pairs": pairs_out,
            "out_of_sequence": out_of_sequence,
            "sequence_gaps": gaps,
            "ownership_violations": violations,
            "duplicates_sent": resent,
            "faults": faults,
            "reconciliation_rounds": self._rounds,
            "latest_reconciliation": (
                {**self._last[0], **self._full(self._last[1], self._last[2])}
                if self._last
                else None
            ),
            "slis": slis,
        }

    def _gaps(self, end_ns: int, deadline_ns: int) -> list[dict[str, Any]]:
        by_key: dict[tuple[str, str, str], list[_EventRec]] = defaultdict(list)
        for rec in self._events:
            ev = rec.event
            by_key[(ev.source, ev.sku, ev.location)].append(rec)
        gaps = []
        for (source, sku, loc), recs in sorted(by_key.items()):
            seen = [r.event for r in recs if not r.lost]
            for r in recs:
                if not r.lost:
                    continue
                seq = r.event.sequence
                has_before = any(e.sequence < seq for e in seen)
                aged_after = any(
                    e.sequence > seq and e.time_ns + deadline_ns < end_ns for e in seen
                )
                if has_before and aged_after:
                    gaps.append(
                        {
                            "source": source,
                            "sku": sku,
                            "location": loc,
                            "sequence": seq,
                            "id": r.event.id,
                        }
                    )
        return gaps

    def _faults(self, end_ns: int, injected: list[Injected]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for rec in self._events:
            if rec.lost:
                out.append(
                    {
                        "kind": "lost",
                        "time_ns": rec.event.time_ns,
                        "source": rec.event.source,
                        "id": rec.event.id,
                    }
                )
        for k, t in self._resent:
            if t <= end_ns:
                out.append({"kind": "duplicate", "time_ns": t, "source": k[0], "id": k[1]})
        for plan in self._pairs:
            ev = plan.event
            ref = {"source": ev.source, "id": ev.id, "target": plan.target}
            attempts = [a for a in plan.attempts if a.end_ns <= end_ns]
            if plan.out_of_order:
                out.append({"kind": "out_of_order", "time_ns": ev.time_ns, **ref})
            for a in attempts:
                if a.error_type == "429":
                    out.append(
                        {"kind": "outage", "time_ns": a.start_ns, **ref, "attempt": a.attempt}
                    )
                elif a.error_type in ("timeout", "503"):
                    out.append(
                        {"kind": "transient", "time_ns": a.start_ns, **ref, "attempt": a.attempt}
                    )
                elif a.error_type == "validation":
                    out.append(
                        {"kind": "dead_letter", "time_ns": a.start_ns, **ref, "attempt": a.attempt}
                    )
        for inj in injected:
            if inj.time_ns > end_ns:
                continue
            fault: dict[str, Any] = {"kind": inj.kind, "time_ns": inj.time_ns, **inj.detail}
            if inj.event is not None:
                fault["source"], fault["id"] = inj.event
            out.append(fault)
        out.sort(key=lambda f: (f["time_ns"], f["kind"]))
        return out

    @staticmethod
    def write(truth: dict[str, Any], path: Path) -> None:
        path.write_text(json.dumps(truth, separators=(",", ":")))


def load_truth(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text())
    return data
