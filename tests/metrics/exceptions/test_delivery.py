"""Exception events out (docs/exceptions.md, "Events out"): a real HTTP receiver
that checks signatures and fails for a while, and the machine's NATS JetStream."""

from __future__ import annotations

from metrics.exceptions import Candidate, ExceptionStore
from metrics.exceptions.delivery import Delivery
from metrics.exceptions.sinks import NatsSender, WebhookSender
from tests.metrics.exceptions.receiver import (
    NATS_URL,
    Receiver,
    first_seen,
    nats_stream,
    stream_events,
)

S = 1_000_000_000
T0 = 1_795_000_000 * S
SECRET = b"s3cret"


def _cand(i: int, **kw: object) -> Candidate:
    fields: dict[str, object] = {
        "kind": "mismatch", "identity": f"erp/s4|SKU-{i}|DC-EAST/A-01|on_hand",
        "reason": "differs", "sku": f"SKU-{i}", "location": "DC-EAST/A-01",
        "warehouse": "DC-EAST", "target": "erp", "source": "erp/s4",
        "detail": {"correction": {"case": "variance", "text": f"fix {i}"}},
    } | kw  # fmt: skip
    return Candidate(**fields)  # type: ignore[arg-type]


def test_events_reach_both_sinks_once_in_order_through_failures(ops_url: str) -> None:
    store = ExceptionStore(ops_url)
    with Receiver(SECRET, fail_first=3) as hook, nats_stream() as (stream, subject):
        clock = [T0]
        delivery = Delivery(
            store,
            {
                "hook": (WebhookSender(hook.url + "/hook", SECRET.decode(), timeout_s=5,
                                       clock=lambda: clock[0]), False),
                "bus": (NatsSender(NATS_URL, subject, timeout_s=5), False),
                "billing": (WebhookSender(hook.url + "/billing", SECRET.decode(), timeout_s=5,
                                          clock=lambda: clock[0]), True),
            },
            base_url="http://synclens.example",
            clock=lambda: clock[0],
            batch=2,
            retry_base_s=2,
            retry_max_s=5,
        )  # fmt: skip
        store.sync("mismatch", [_cand(1), _cand(2, order_ids=["SO-7"])], now_ns=T0)
        (first,) = store.search(sku="SKU-1")[1]
        store.acknowledge(first["id"], by="ana", note="looking", now_ns=T0 + S)
        store.resolve(first["id"], by="ana", note="fixed", now_ns=T0 + 2 * S)
        # 2 opened + 2 corrections proposed + acknowledged + resolved
        done = delivery.run_once(now_ns=T0 + 3 * S)  # the hook answers 500: retry in 2 s
        assert done == {"billing": 0, "bus": 2, "hook": 0}
        states = {s.name: s for s in delivery.states()}
        assert (states["hook"].pending, states["hook"].attempts) == (6, 1)
        assert states["hook"].oldest_pending_ns == T0
        assert states["billing"].pending == 2  # the events of SKU-2, which hurts SO-7
        assert delivery.run_once(now_ns=T0 + 4 * S)["hook"] == 0  # not due yet
        now = T0 + 5 * S
        for _ in range(20):
            delivery.run_once(now_ns=now)
            now += 10 * S
        states = {s.name: s for s in delivery.states()}
        assert all(s.pending == 0 for s in states.values()), states
        assert states["hook"].failures + states["billing"].failures == 3
        assert hook.bad_signatures == 0
        nats_events = stream_events(stream)

    by_sink = {
        "nats": first_seen(nats_events),
        "hook": first_seen(hook.events["/hook"]),
        "billing": first_seen(hook.events["/billing"]),
    }
    for name, events in by_sink.items():  # in outbox order, each once
        assert [e["sequence"] for e in events] == sorted({e["sequence"] for e in events}), name
    assert [e["id"] for e in by_sink["hook"]] == [e["id"] for e in by_sink["nats"]]
    assert {e["data"]["exception"]["sku"] for e in by_sink["billing"]} == {"SKU-2"}
    assert len(by_sink["billing"]) == 2
    types = [e["type"].rsplit(".", 1)[1] for e in by_sink["nats"]]
    assert types == ["opened", "correction_proposed", "opened", "correction_proposed",
                     "acknowledged", "resolved"]  # fmt: skip
    ev = by_sink["nats"][0]
    assert ev["specversion"] == "1.0" and ev["subject"] == "SKU-1/DC-EAST/A-01"
    assert ev["data"]["links"]["lineage"] == (
        "http://synclens.example/api/v1/lineage?sku=SKU-1&location=DC-EAST%2FA-01"
    )
    assert ev["data"]["exception"]["detail"]["correction"]["text"] == "fix 1"
    assert len(nats_events) == 6 and len({e["id"] for e in nats_events}) == 6
    store.close()
