"""What goes on the wire is what the truth says: CloudEvents, spans, links, snapshots."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from opentelemetry.trace import SpanKind, StatusCode

from simulator.events import rfc3339

from .conftest import run_small


def test_spans_and_events_match_the_truth() -> None:
    summary, transport = run_small("chaos")
    truth = summary.truth
    assert truth is not None
    events = {(e["source"], e["id"]): e for e in truth["events"]}
    sent: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for ce in transport.events:
        sent[(ce["source"], ce["id"])].append(ce)
    resent = {(d["source"], d["id"]) for d in truth["duplicates_sent"]}
    for key, e in events.items():
        if e["lost"]:
            assert key not in sent
            continue
        copies = sent[key]
        assert len(copies) == (2 if key in resent else 1)
        ce = copies[0]
        assert ce["specversion"] == "1.0" and ce["type"] == e["type"]
        assert ce["time"] == rfc3339(e["time_ns"]) and ce["traceparent"] == e["traceparent"]
        assert ce["data"]["sku"] == e["sku"] and ce["data"]["sequence"] == e["sequence"]

    producers = {}
    attempts: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for span in transport.spans:
        attrs = span.attributes or {}
        key = (str(attrs["inventory.event_source"]), str(attrs["inventory.event_id"]))
        if span.kind is SpanKind.PRODUCER:
            producers[key] = span
        else:
            attempts[(*key, str(attrs["sync.target"]))].append(span)
    assert len(transport.spans) == summary.spans
    for key, span in producers.items():
        ctx = span.context
        assert ctx is not None
        assert events[key]["traceparent"] == f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-01"

    n = 0
    for pair in truth["pairs"]:
        key = (pair["source"], pair["id"])
        spans = sorted(attempts.pop((*key, pair["target"]), []), key=lambda s: s.start_time)
        assert len(spans) == len(pair["attempts"])
        for want, span in zip(pair["attempts"], spans, strict=True):
            attrs = span.attributes or {}
            ctx = span.context
            assert ctx is not None
            assert (
                f"{ctx.trace_id:032x}" == want["trace_id"]
                and f"{ctx.span_id:016x}" == want["span_id"]
            )
            assert span.start_time == want["start_ns"] and span.end_time == want["end_ns"]
            assert (
                attrs["sync.attempt"] == want["attempt"] and attrs["sync.replay"] == want["replay"]
            )
            assert attrs["sync.dead_lettered"] == want["dead_lettered"]
            assert attrs["sync.duplicate"] == want["duplicate"]
            failed = span.status.status_code is StatusCode.ERROR or attrs["sync.dead_lettered"]
            assert want["success"] is (not failed)
            assert attrs.get("error.type") == want["error_type"]
            assert attrs["http.response.status_code"] == want["http_status"]
            assert attrs["inventory.sku"] == events[key]["sku"]
            # the consumer span links to the producer span that carried the event
            producer = producers[key].context
            assert producer is not None
            assert [link.context.span_id for link in span.links] == [producer.span_id]
            n += 1
    assert not attempts, "spans the truth does not know"
    assert n == summary.attempts > 1000


def test_snapshots_are_the_systems_books() -> None:
    summary, transport = run_small("realistic")
    truth = summary.truth
    assert truth is not None
    snaps = truth["latest_reconciliation"]["snapshots"]
    for snap in transport.snapshots[-len(snaps) :]:
        want = snaps[f"{snap.system}/{snap.instance}"]
        body = snap.to_json()
        assert body["rows"] == sorted(body["rows"], key=lambda r: 0) and body["channel"] is None
        assert (
            sorted(
                body["rows"],
                key=lambda r: (r["sku"], r["location"], r["stock_status"], r.get("lot", "")),
            )
            == want
        )
        assert all(r["quantity"] != 0 for r in body["rows"])
