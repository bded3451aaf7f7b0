"""``/openapi.json`` describes every body and every status each route answers."""

from __future__ import annotations

from typing import Any

from tests.conftest import Service

#: routes whose 200 body is not JSON (Prometheus text, protobuf, the liveness probes)
_NOT_JSON = {"/metrics", "/v1/traces", "/healthz", "/readyz"}


def _schema(spec: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    name = ref["$ref"].rsplit("/", 1)[-1]
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def test_every_route_documents_its_body_and_refusals(service: Service) -> None:
    spec = service.get("/openapi.json").json()
    missing = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            if path not in _NOT_JSON:
                ok = op["responses"]["200"]["content"]["application/json"]["schema"]
                if "$ref" not in ok:
                    missing.append(f"{method.upper()} {path}: untyped 200 body")
            if path.startswith("/api/"):
                for code in ("401", "503"):
                    if code not in codes:
                        missing.append(f"{method.upper()} {path}: {code} not listed")
                if op.get("parameters") and "422" not in codes:
                    missing.append(f"{method.upper()} {path}: 422 not listed")
            if "requestBody" in op and "400" not in codes:
                # FastAPI answers 400 for a body it cannot read (bytes that are not UTF-8)
                missing.append(f"{method.upper()} {path}: 400 not listed for its body")
            for code, response in op["responses"].items():
                if code != "200" and "content" not in response:
                    missing.append(f"{method.upper()} {path}: {code} has no body schema")
    assert missing == []


def test_refusals_have_the_documented_shape(service: Service) -> None:
    spec = service.get("/openapi.json").json()
    # 404: {"detail": "..."}
    r = service.get("/api/v1/exceptions/12345")
    assert r.status_code == 404 and isinstance(r.json()["detail"], str)
    op = spec["paths"]["/api/v1/exceptions/{exception_id}"]["get"]
    ref = op["responses"]["404"]["content"]["application/json"]["schema"]
    assert _schema(spec, ref)["required"] == ["detail"]
    # an invalid parameter found by the handler answers FastAPI's own 422 list
    for path, params in (
        ("/api/v1/lineage", {"sku": "S", "since": "yesterday"}),
        ("/api/v1/slis", {"window": "soon"}),
        ("/api/v1/report", {"period": "2026-13"}),
        ("/api/v1/report", {"period": "2999-Q1"}),  # not begun
    ):
        r = service.get(path, params=params)
        assert r.status_code == 422, path
        [error] = r.json()["detail"]
        assert error["loc"][0] == "query" and error["msg"], path
    # ids and offsets past what the stores hold are invalid, not server errors
    for path in (
        "/api/v1/exceptions/9223372036854775808",
        "/api/v1/exceptions/2147483648/audit",
        "/api/v1/exceptions?offset=9223372036854775808",
        "/api/v1/reconciliations/latest?offset=1e36",
        "/api/v1/reconciliations/9223372036854775808",
    ):
        assert service.get(path).status_code == 422, path
    r = service.post("/api/v1/exceptions/9223372036854775808/ack", json={"by": "bo"})
    assert r.status_code == 422
    # a body that is not UTF-8 is FastAPI's 400 (listed), not a 500
    r = service.post(
        "/api/v1/exceptions/1/resolve",
        content=b"o\xff\xfe",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and isinstance(r.json()["detail"], str)
