"""Throughput of ``collector.cloudevents.decode_batch`` on realistic batches.

Run: ``.venv/bin/python -m bench.cloudevents_decode [--batches 50] [--size 1000] [--rounds 5]
[--workload]``.  Prints events per second of wall time and per CPU-second
(``time.process_time``: steadier on a shared machine) for decoding alone, for
decoding plus building the Arrow table the store appends, and for the
per-event path alone (what every batch took before the fast path, and what a
batch with a rejected event still takes).  ``--workload`` uses the bodies that
the HTTP benchmark sends (``bench/workload.py``) instead of this file's own.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable

import pyarrow as pa

from collector.cloudevents import EVENT_TYPES, decode_batch
from collector.cloudevents.events import decode_batch_text
from collector.schema import EVENT_SCHEMA
from collector.testing.workload import event_templates, patch

_SOURCES = ("wms/dc-east", "wms/dc-west", "erp/s4", "tpl/acme", "commerce/shopify", "returns/loop")
_STATUSES = ("on_hand", "allocated", "damaged", "in_transit")


def make_batch(rng: random.Random, size: int, start: int) -> bytes:
    """One batch body of ``size`` events shaped like the simulator's."""
    types = sorted(EVENT_TYPES)
    events = []
    for n in range(start, start + size):
        event_type = rng.choice(types)
        data: dict[str, object] = {
            "sku": f"SKU-{rng.randrange(5000):05d}",
            "location": f"DC-{rng.choice(('EAST', 'WEST'))}/R-{rng.randrange(40):02d}-{rng.randrange(20):02d}",
            "quantity": rng.randrange(-50, 200),
            "stock_status": rng.choice(_STATUSES),
            "sequence": n,
        }
        if rng.random() < 0.5:
            data["order_id"] = f"SO-{rng.randrange(10**7):07d}"
            data["channel"] = rng.choice(("web", "store", "marketplace"))
        if event_type == "inventory.moved":
            data["to_location"] = f"DC-EAST/R-{rng.randrange(40):02d}-01"
        if rng.random() < 0.2:
            data["reason"] = "cycle count"
        events.append(
            {
                "specversion": "1.0",
                "id": f"evt-{n:09d}",
                "source": rng.choice(_SOURCES),
                "type": event_type,
                "time": f"2026-11-20T08:{n // 60 % 60:02d}:{n % 60:02d}.{rng.randrange(10**6):06d}Z",
                "traceparent": f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01",
                "datacontenttype": "application/json",
                "data": data,
            }
        )
    return json.dumps(events).encode()


def _timings(work: Callable[[], None], rounds: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each round."""
    wall, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workload", action="store_true", help="bench/workload.py's bodies")
    args = parser.parse_args()
    if args.workload:
        templates = event_templates(args.batches, args.size)
        bodies = [patch(templates, i)[0] for i in range(args.batches)]
    else:
        rng = random.Random(7)
        bodies = [make_batch(rng, args.size, i * args.size) for i in range(args.batches)]
    total = args.batches * args.size

    assert not any(decode_batch(body, received_ns=0).rejected for body in bodies)

    def decode_only() -> None:
        for body in bodies:
            decode_batch(body, received_ns=0)

    def decode_and_arrow() -> None:
        for body in bodies:
            pa.Table.from_pydict(decode_batch(body, received_ns=0).columns, schema=EVENT_SCHEMA)

    def per_event() -> None:
        for body in bodies:
            decode_batch_text(body.decode(), 0, None)

    mib = sum(map(len, bodies)) / 2**20
    print(f"{total} events in {args.batches} batches ({mib:.1f} MiB of JSON)")
    for label, work in (
        ("decode_batch", decode_only),
        ("decode_batch + Arrow", decode_and_arrow),
        ("per-event path", per_event),
    ):
        wall, cpu = _timings(work, args.rounds)
        print(
            f"{label:<22} median {total / statistics.median(wall):>9,.0f} events/s"
            f"   best {total / min(wall):>9,.0f} events/s"
            f"   median {total / statistics.median(cpu):>9,.0f} events/CPU-s"
        )


if __name__ == "__main__":
    main()
