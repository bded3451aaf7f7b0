"""Optional push of exceptions to Alertmanager's API v2 (off by default).

After every detector pass, every unresolved exception is (re)sent as a
firing alert (Alertmanager expires alerts that are not re-sent within its
``resolve_timeout``) and every exception resolved in the pass is sent once
more with ``endsAt``, which resolves the alert.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from metrics.exceptions.model import SyncResult
from metrics.exceptions.store import ExceptionStore

__all__ = ["AlertmanagerPush", "to_alert"]

log = logging.getLogger(__name__)
_BATCH = 500


def _rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_alert(exc: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """One exception as an Alertmanager v2 alert; ``endsAt`` once it is resolved."""
    base = base_url.rstrip("/")
    lineage = f"{base}/api/v1/lineage?" + urlencode(
        {k: v for k, v in (("sku", exc.get("sku")), ("location", exc.get("location"))) if v}
    )
    alert: dict[str, Any] = {
        "labels": {
            "alertname": "SynclensException",
            "kind": exc["kind"],
            "warehouse": exc.get("warehouse") or "",
            "target": exc.get("target") or "",
            "severity": exc["severity"],
            "owner": exc["owner_team"],
            "exception_id": str(exc["id"]),
        },
        "annotations": {
            "summary": exc["reason"],
            "description": f"{exc['kind']} exception {exc['id']} ({exc['status']}), "
            f"sku {exc.get('sku')}, location {exc.get('location')}",
            "lineage": lineage,
            "exception": f"{base}/api/v1/exceptions/{exc['id']}",
        },
        "startsAt": _rfc3339(int(exc["opened_at_ns"])),
        "generatorURL": f"{base}/api/v1/exceptions/{exc['id']}",
    }
    if exc["status"] == "resolved" and exc.get("resolved_at_ns"):
        alert["endsAt"] = _rfc3339(int(exc["resolved_at_ns"]))
    return alert


class AlertmanagerPush:
    """A ``ReconcileService.on_change`` hook posting to ``<url>/api/v2/alerts``."""

    def __init__(
        self,
        url: str,
        exceptions: ExceptionStore,
        *,
        base_url: str,
        timeout_s: float = 5.0,
        client_factory: Callable[[], httpx.Client] | None = None,
    ) -> None:
        self._endpoint = url.rstrip("/") + "/api/v2/alerts"
        self._exceptions = exceptions
        self._base_url = base_url
        self._client = (client_factory or (lambda: httpx.Client(timeout=timeout_s)))()

    def __call__(self, results: Mapping[str, SyncResult]) -> None:
        alerts = [to_alert(e, self._base_url) for e in self._unresolved()]
        for result in results.values():
            for exception_id in result.resolved:
                found = self._exceptions.get(exception_id)
                if found is not None:
                    alerts.append(to_alert(found, self._base_url))
        self.push(alerts)

    def _unresolved(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            total, page = self._exceptions.search(status="unresolved", limit=1000, offset=offset)
            out.extend(page)
            offset += len(page)
            if not page or offset >= total:
                return out

    def push(self, alerts: list[dict[str, Any]]) -> None:
        for i in range(0, len(alerts), _BATCH):
            chunk = alerts[i : i + _BATCH]
            try:
                resp = self._client.post(self._endpoint, json=chunk)
            except httpx.HTTPError as exc:
                log.warning("alertmanager push of %d alerts failed: %s", len(chunk), exc)
                return
            if resp.status_code >= 300:
                log.warning(
                    "alertmanager refused %d alerts: %s %s",
                    len(chunk),
                    resp.status_code,
                    resp.text[:200],
                )
                return

    def close(self) -> None:
        self._client.close()
