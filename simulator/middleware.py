"""The simulated integration middleware: delivery attempts with faults.

For each (event, target) it plans every attempt at once: ordered queues per
(target instance, source, sku, location), latency, transient failures with
exponential back-off, dead-lettering, replays from the dead-letter queue,
re-deliveries of re-published events, queue jumps (out-of-order) and 429
outage windows. A target's state changes only by attempts with ``applies``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from simulator.clock import NS_PER_S

from .events import Event
from .faults import FaultProfile, FaultRates, Outage
from .network import Network, warehouse_of

__all__ = ["Attempt", "Middleware", "PairPlan"]


def _ns(seconds: float) -> int:
    """Seconds to nanoseconds, rounded to whole microseconds."""
    return round(seconds * 1_000_000) * 1000


@dataclass
class Attempt:
    target: str
    target_instance: str
    attempt: int
    replay: bool
    success: bool
    dead_lettered: bool
    duplicate: bool
    applies: bool  # changes the target's state
    start_ns: int
    end_ns: int
    error_type: str | None
    http_status: int
    trace_id: str = ""
    span_id: str = ""


@dataclass
class PairPlan:
    """Everything the middleware will do for one (event, target)."""

    event: Event
    target: str
    target_instance: str
    attempts: list[Attempt]
    out_of_order: bool = False


class Middleware:
    def __init__(
        self,
        network: Network,
        profile: FaultProfile,
        rng: random.Random,
        *,
        start_ns: int,
        outages: tuple[Outage, ...],
    ) -> None:
        self._network = network
        self._profile = profile
        self._rng = rng
        self._start_ns = start_ns
        self._outages = outages
        self._free_at: dict[tuple[str, str, str, str], int] = {}

    def plan(
        self, event: Event, target: str, publish_ns: int, *, republish_ns: int | None = None
    ) -> PairPlan:
        """Plan the attempts of ``event`` to ``target``.

        ``republish_ns``: the source published the same event again then; the
        middleware delivers it once more after the first success.
        """
        rng = self._rng
        wh = warehouse_of(event.location)
        rates = self._profile.rates(target, wh)
        instance = self._network.target_instance(target, event.location)
        queue = (instance, event.source, event.sku, event.location)
        jump = rates.out_of_order > 0 and rng.random() < rates.out_of_order
        if jump:
            lo, hi = rates.out_of_order_delay_s
            t = publish_ns + _ns(rng.uniform(lo, hi))
        else:
            t = max(publish_ns, self._free_at.get(queue, 0))
        poison = rates.dead_letter > 0 and rng.random() < rates.dead_letter
        attempts = self._run(target, instance, wh, rates, t, replay=False, poison=poison)
        last = attempts[-1]
        if last.dead_lettered and rates.replay > 0 and rng.random() < rates.replay:
            lo, hi = rates.replay_delay_s
            t = last.end_ns + _ns(rng.uniform(lo, hi))
            attempts += self._run(target, instance, wh, rates, t, replay=True, poison=False)
        first_ok = next((a for a in attempts if a.success), None)
        if not jump:
            self._free_at[queue] = first_ok.end_ns if first_ok else attempts[-1].end_ns
        if republish_ns is not None and first_ok is not None:
            recognised = rng.random() < rates.duplicate_recognised
            start = max(attempts[-1].end_ns, republish_ns) + _ns(rng.uniform(0.01, 0.3))
            end = start + _ns(rates.latency.sample(rng))
            attempts.append(
                Attempt(
                    target,
                    instance,
                    attempt=max(a.attempt for a in attempts if a.replay == first_ok.replay) + 1,
                    replay=first_ok.replay,
                    success=True,
                    dead_lettered=False,
                    duplicate=recognised,
                    applies=not recognised,
                    start_ns=start,
                    end_ns=end,
                    error_type=None,
                    http_status=200,
                )
            )
        return PairPlan(event, target, instance, attempts, out_of_order=jump)

    def _outage(self, target: str, warehouse: str, t_ns: int) -> bool:
        t_s = (t_ns - self._start_ns) / NS_PER_S
        return any(o.covers(target, warehouse, t_s) for o in self._outages)

    def _run(
        self,
        target: str,
        instance: str,
        warehouse: str,
        rates: FaultRates,
        t: int,
        *,
        replay: bool,
        poison: bool,
    ) -> list[Attempt]:
        rng = self._rng
        out: list[Attempt] = []
        for n in range(1, rates.max_attempts + 1):
            error: str | None = None
            status = 200
            retryable = True
            if self._outage(target, warehouse, t):
                error, status = "429", 429
                duration = rng.uniform(0.01, 0.2)
            elif poison and n == 1:
                error, status, retryable = "validation", 422, False
                duration = rates.latency.sample(rng)
            elif rates.transient > 0 and rng.random() < rates.transient:
                if rng.random() < 0.5:
                    error, status, duration = "timeout", 504, 30.0
                else:
                    error, status, duration = "503", 503, rates.latency.sample(rng)
            else:
                duration = rates.latency.sample(rng)
            end = t + max(_ns(duration), 1000)
            ok = error is None
            parked = not ok and (not retryable or n == rates.max_attempts)
            out.append(
                Attempt(
                    target,
                    instance,
                    attempt=n,
                    replay=replay,
                    success=ok,
                    dead_lettered=parked,
                    duplicate=False,
                    applies=ok,
                    start_ns=t,
                    end_ns=end,
                    error_type=error,
                    http_status=status,
                )
            )
            if ok or parked:
                break
            backoff = rates.retry_base_s * 2 ** (n - 1) * rng.uniform(0.8, 1.2)
            t = end + _ns(backoff)
        return out
