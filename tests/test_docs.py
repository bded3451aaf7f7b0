"""Every setting and every metric is documented; the example config is the defaults."""

from __future__ import annotations

import re
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from collector.bus.telemetry import BusMetrics, LagCollector
from collector.decoding import Decoder
from collector.identity.throttle import SignInMetrics
from collector.labels import LabelBounds
from collector.locations import LocationMap
from collector.store import Store
from collector.telemetry import IngestMetrics, PipelineHealthCollector, QueueDepthCollector
from metrics.exceptions import ExceptionStore
from metrics.exceptions.delivery import Delivery
from metrics.exceptions.delivery_metrics import DeliveryMetrics
from metrics.exceptions.sinks import WebhookSender
from metrics.exceptions.telemetry import ExceptionMetrics
from metrics.exposition import SyncMetrics
from metrics.reconciliation.telemetry import ReconciliationMetrics
from synclens.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    if get_origin(annotation) in (Union, UnionType, tuple, list, dict) or get_args(annotation):
        for arg in get_args(annotation):
            found.extend(_models(arg))
    return found


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        nested = _models(field.annotation)
        if not nested:
            keys.append(key)
            continue
        origin = get_origin(field.annotation)
        joiner = "[]." if origin in (tuple, list) else ".<location>." if origin is dict else "."
        for sub in nested:
            keys.extend(_keys(sub, key + joiner))
    return keys


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    missing = [key for key in _keys(Settings) if f"`{key}`" not in doc]
    assert not missing, f"undocumented settings: {missing}"


def test_example_config_is_the_defaults() -> None:
    assert load_settings(ROOT / "synclens.example.yaml") == Settings()


def test_every_metric_is_documented(tmp_path: Path, store: Store) -> None:
    registry = CollectorRegistry()
    IngestMetrics(registry)
    SignInMetrics(registry).count("password", "ok")
    BusMetrics(registry).messages.labels(broker="nats", outcome="stored")
    registry.register(LagCollector("nats", lambda: 0))
    exceptions = ExceptionStore(f"sqlite:///{tmp_path / 'ops.sqlite'}")
    try:
        registry.register(QueueDepthCollector(store))
        registry.register(PipelineHealthCollector(store, Decoder(0)))
        registry.register(LabelBounds({}))
        registry.register(ExceptionMetrics(store, exceptions, lambda: 0, LocationMap()))
        registry.register(SyncMetrics(store, lambda: 0))
        registry.register(ReconciliationMetrics(store))
        delivery = Delivery(
            exceptions, {"crm": (WebhookSender("http://127.0.0.1:9", None, timeout_s=1,
                                               clock=lambda: 0), False)},
            base_url="http://127.0.0.1:4318", clock=lambda: 0,
        )  # fmt: skip
        registry.register(DeliveryMetrics(delivery, lambda: 0))
        names = set()
        for family in registry.collect():
            suffix = "_total" if family.type == "counter" else ""
            names.add(family.name + suffix)
    finally:
        exceptions.close()
    doc = (ROOT / "docs" / "metrics.md").read_text()
    documented = set(re.findall(r"`(synclens_[a-z_]+)`", doc))
    assert names <= documented, f"undocumented metrics: {sorted(names - documented)}"
