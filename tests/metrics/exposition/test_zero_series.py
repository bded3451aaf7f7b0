"""Every failure and success series of a target exists at 0 before its first
event, so the first failure is an increase from 0 that ``increase()`` sees."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from collector.routing import RouteTable
from collector.testing.wire import attempt_span
from tests.conftest import Service
from tests.metrics.feed import T0, event, send_events, send_spans


def _samples(svc: Service, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(svc.get("/metrics").text):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def _key(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def test_every_configured_target_has_its_series_at_zero_from_start_up(service: Service) -> None:
    routed = RouteTable(service.settings.routes).rows()
    targets = {t for _, _, t, _, _ in routed}
    assert targets >= {"erp", "commerce", "wms"}
    attempts = _samples(service, "synclens_sync_attempts_total")
    pairs = _samples(service, "synclens_sync_pairs_total")
    buckets = _samples(service, "synclens_sync_latency_seconds_count")
    for t in targets:
        for outcome in ("success", "failure"):
            for kind in ("first", "retry", "replay"):
                assert attempts[_key(target=t, outcome=outcome, kind=kind)] == 0
        assert pairs[_key(target=t, first_pass="true")] == 0
        assert pairs[_key(target=t, first_pass="false")] == 0
        for gauge in ("synclens_undelivered", "synclens_dead_lettered"):
            assert _samples(service, gauge)[_key(target=t)] == 0
    for event_type, _, t, _, _ in routed:
        assert buckets[_key(target=t, event_type=event_type)] == 0
    assert len(attempts) == 6 * len(targets)  # no series beyond the configured ones


def test_a_new_target_appears_with_every_series_and_the_first_failure_counts(
    service: Service,
) -> None:
    send_events(service, event("e-1", 0))
    send_spans(
        service,
        attempt_span(event_id="e-1", target="erp", start_ns=T0, error="timeout"),
        attempt_span(event_id="e-1", target="legacy", start_ns=T0, error="timeout"),
    )
    service.app.state.slis.refresh()
    attempts = _samples(service, "synclens_sync_attempts_total")
    pairs = _samples(service, "synclens_sync_pairs_total")
    assert attempts[_key(target="erp", outcome="failure", kind="first")] == 1
    assert attempts[_key(target="erp", outcome="success", kind="first")] == 0
    assert pairs[_key(target="erp", first_pass="false")] == 1
    assert pairs[_key(target="erp", first_pass="true")] == 0
    # an unconfigured target seen in the spans (counted under "other", SPEC 6's
    # bounded labels) gets every combination too
    assert attempts[_key(target="other", outcome="failure", kind="first")] == 1
    for outcome in ("success", "failure"):
        for kind in ("first", "retry", "replay"):
            assert _key(target="other", outcome=outcome, kind=kind) in attempts
    assert pairs[_key(target="other", first_pass="true")] == 0
    assert _samples(service, "synclens_undelivered")[_key(target="other")] == 0
