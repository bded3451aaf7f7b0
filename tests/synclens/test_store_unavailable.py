"""A query that meets a store that is stopping (or failed) is a retryable
503 with Retry-After, never a 500."""

from __future__ import annotations

from tests.conftest import Service


def test_a_query_on_a_stopping_store_is_a_503(service: Service) -> None:
    assert service.get("/api/v1/lineage", params={"sku": "BOLT-M8"}).status_code == 200
    service.store.stop_reads()  # what shutdown does once requests are answered
    resp = service.get("/api/v1/lineage", params={"sku": "BOLT-M8"})
    assert resp.status_code == 503
    assert resp.headers["retry-after"] == "1"
    assert "store unavailable" in resp.json()["detail"]
