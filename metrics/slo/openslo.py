"""OpenSLO v1 in and out: ``synclens slo import`` / ``synclens slo export``.

An OpenSLO ``SLO`` maps to a synclens SLO when its indicator (inline, or a
``SLI`` document named by ``indicatorRef``) is a ``ratioMetric`` whose two
metric sources are of type ``synclens`` and name the same synclens SLI:

    ratioMetric:
      counter: true
      good:  {metricSource: {type: synclens, spec: {sli: first_pass, events: good}}}
      total: {metricSource: {type: synclens, spec: {sli: first_pass, events: total}}}

(``bad`` instead of ``good`` works too; ``matchers`` and ``groupBy`` in the
sources' ``spec`` filter and group).  One objective (``target`` or
``targetPercent``), ``budgetingMethod: Occurrences``, and one time window:
rolling (``{duration: 28d, isRolling: true}``) or calendar (``{duration:
1w|1M|1Q, isRolling: false, calendar: {timeZone: ...}}``).  What OpenSLO
has no field for (``minTraffic``, ``agingObjective``, ``alerting``, the
rolling window of a calendar SLO) travels in ``synclens.io/<key>``
annotations (JSON values).  Anything else is refused with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from metrics.slo.documents import SloError
from metrics.slo.spec import SLI_NAMES, SloSpec, duration_s, slo_from_mapping

__all__ = ["ANNOTATION", "from_openslo", "to_openslo"]

ANNOTATION = "synclens.io/"
_API = "openslo/v1"
#: synclens SLIs whose ratio is written with good events; the others with bad ones
_GOOD_SLIS = ("latency", "first_pass")
_CALENDAR = {"1w": "week", "1M": "month", "1Q": "quarter"}
#: a calendar SLO's rolling window (for its burn-rate alerts) unless an annotation says otherwise
_CALENDAR_WINDOW = {"week": "7d", "month": "30d", "quarter": "90d"}
#: spec keys that have an OpenSLO place; every other one becomes an annotation
_MAPPED = (
    "description",
    "sli",
    "objective",
    "window",
    "calendar",
    "timeZone",
    "groupBy",
    "matchers",
)


def _duration(window: str, name: str) -> str:
    """A synclens duration as OpenSLO writes it (m, h, d, w; seconds only in whole minutes)."""
    if window[-1] in "mhdw":
        return window
    seconds = duration_s(window)
    if seconds % 60:
        raise SloError(f"SLO {name}: OpenSLO has no seconds: window {window} cannot be exported")
    return f"{seconds // 60}m"


def to_openslo(slo: SloSpec, service: str = "synclens") -> list[dict[str, Any]]:
    """An ``SLI`` and an ``SLO`` document (``indicatorRef``) for one synclens SLO."""
    spec = dict(slo.document.get("spec", {}))
    source: dict[str, Any] = {"sli": slo.sli}
    if slo.matchers:
        source["matchers"] = dict(slo.matchers)
    if slo.group_by:
        source["groupBy"] = slo.group_by
    numerator = "good" if slo.sli in _GOOD_SLIS else "bad"

    def metric(events: str) -> dict[str, Any]:
        return {"metricSource": {"type": "synclens", "spec": {**source, "events": events}}}

    sli: dict[str, Any] = {
        "apiVersion": _API,
        "kind": "SLI",
        "metadata": {"name": f"{slo.name}-sli"},
        "spec": {
            "description": f"synclens SLI {slo.sli}",
            "ratioMetric": {
                "counter": True,
                numerator: metric(numerator),
                "total": metric("total"),
            },
        },
    }
    annotations = {
        f"{ANNOTATION}{key}": json.dumps(value, sort_keys=True)
        for key, value in sorted(spec.items())
        if key not in _MAPPED
    }
    if slo.calendar:
        annotations[f"{ANNOTATION}window"] = json.dumps(slo.window)
        window: dict[str, Any] = {
            "duration": next(d for d, k in _CALENDAR.items() if k == slo.calendar),
            "isRolling": False,
            "calendar": {"startTime": "2020-01-01 00:00:00", "timeZone": slo.time_zone},
        }
    else:
        window = {"duration": _duration(slo.window, slo.name), "isRolling": True}
    metadata: dict[str, Any] = {"name": slo.name, "displayName": slo.display_name}
    if slo.labels:
        metadata["labels"] = dict(slo.labels)
    if annotations:
        metadata["annotations"] = annotations
    body: dict[str, Any] = {
        "apiVersion": _API,
        "kind": "SLO",
        "metadata": metadata,
        "spec": {
            "description": slo.description,
            "service": service,
            "indicatorRef": f"{slo.name}-sli",
            "timeWindow": [window],
            "budgetingMethod": "Occurrences",
            "objectives": [{"displayName": slo.display_name, "target": slo.objective}],
        },
    }
    return [sli, body]


def _need(mapping: Any, key: str, what: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise ValueError(f"{what} needs {key!r}")
    return mapping[key]


def _source(ratio: Mapping[str, Any], slot: str) -> dict[str, Any]:
    metric = _need(ratio, slot, "ratioMetric")
    source = _need(metric, "metricSource", f"ratioMetric.{slot}")
    kind = source.get("type") if isinstance(source, Mapping) else None
    if kind != "synclens":
        raise ValueError(
            f"ratioMetric.{slot}.metricSource.type is {kind!r}: only 'synclens' sources "
            "(a synclens SLI) can be imported"
        )
    spec = dict(_need(source, "spec", f"ratioMetric.{slot}.metricSource"))
    if spec.get("sli") not in SLI_NAMES:
        raise ValueError(f"ratioMetric.{slot}: sli must be one of {', '.join(SLI_NAMES)}")
    if spec.get("events", slot) != slot:
        raise ValueError(f"ratioMetric.{slot} counts {spec.get('events')!r} events, not {slot!r}")
    spec.pop("events", None)
    return spec


def _indicator(spec: Mapping[str, Any], slis: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The synclens SLI (``sli``, ``matchers``, ``groupBy``) of an OpenSLO SLO."""
    if "indicator" in spec:
        indicator = _need(spec["indicator"], "spec", "indicator")
    elif "indicatorRef" in spec:
        ref = spec["indicatorRef"]
        if ref not in slis:
            raise ValueError(f"indicatorRef {ref!r}: no SLI document of that name was given")
        indicator = slis[ref]
    else:
        raise ValueError("an SLO needs an indicator or an indicatorRef")
    if "thresholdMetric" in indicator:
        raise ValueError("thresholdMetric SLIs are not supported: use a ratioMetric")
    ratio = _need(indicator, "ratioMetric", "the SLI")
    numerator = "good" if "good" in ratio else "bad"
    first, total = _source(ratio, numerator), _source(ratio, "total")
    if first != total:
        raise ValueError(f"ratioMetric.{numerator} and ratioMetric.total name different SLIs")
    return first


def _window(spec: Mapping[str, Any], annotations: Mapping[str, Any]) -> dict[str, Any]:
    windows = _need(spec, "timeWindow", "an SLO")
    if not isinstance(windows, list) or len(windows) != 1:
        raise ValueError("timeWindow must hold exactly one window")
    window = windows[0]
    length = str(_need(window, "duration", "timeWindow[0]"))
    if window.get("isRolling", False):
        if length[-1] in "MQY":
            raise ValueError(f"a rolling window of {length}: write it in days (e.g. 30d)")
        return {"window": length}
    if length not in _CALENDAR:
        raise ValueError(f"calendar window {length}: synclens has 1w, 1M and 1Q")
    period = _CALENDAR[length]
    zone = (window.get("calendar") or {}).get("timeZone", "UTC")
    fallback = _CALENDAR_WINDOW[period]
    return {"window": annotations.get("window", fallback), "calendar": period, "timeZone": zone}


def _objective(spec: Mapping[str, Any]) -> float:
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        raise ValueError(f"budgetingMethod {method}: synclens counts Occurrences only")
    objectives = _need(spec, "objectives", "an SLO")
    if not isinstance(objectives, list) or len(objectives) != 1:
        raise ValueError("a synclens SLO has exactly one objective")
    objective = objectives[0]
    if "timeSliceTarget" in objective:
        raise ValueError("timeslice objectives are not supported")
    if "target" in objective:
        return float(objective["target"])
    if "targetPercent" in objective:
        return float(objective["targetPercent"]) / 100
    raise ValueError("the objective needs target or targetPercent")


def _labels(raw: Any) -> dict[str, str]:
    out = {}
    for key, value in (raw or {}).items():
        out[str(key)] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return out


def _slo_document(doc: Mapping[str, Any], slis: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    metadata = _need(doc, "metadata", "an SLO")
    spec = _need(doc, "spec", "an SLO")
    annotations = {
        key[len(ANNOTATION) :]: json.loads(value)
        for key, value in (metadata.get("annotations") or {}).items()
        if key.startswith(ANNOTATION)
    }
    indicator = _indicator(spec, slis)
    body: dict[str, Any] = {
        **({"description": spec["description"]} if spec.get("description") else {}),
        "sli": indicator.pop("sli"),
        "objective": _objective(spec),
        **_window(spec, annotations),
        **indicator,
        **{k: v for k, v in annotations.items() if k != "window"},
    }
    out_meta: dict[str, Any] = {"name": _need(metadata, "name", "metadata")}
    if metadata.get("displayName"):
        out_meta["displayName"] = metadata["displayName"]
    if metadata.get("labels"):
        out_meta["labels"] = _labels(metadata["labels"])
    return {"apiVersion": "synclens/v1", "kind": "SLO", "metadata": out_meta, "spec": body}


def from_openslo(documents: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """synclens SLO documents (validated) from ``(where, document)`` OpenSLO
    documents: every ``SLO`` becomes one; ``SLI`` documents are what
    ``indicatorRef`` names; ``Service`` documents are read and left."""
    slis: dict[str, Mapping[str, Any]] = {}
    slos: list[tuple[str, Mapping[str, Any]]] = []
    for where, doc in documents:
        if not isinstance(doc, Mapping):
            raise SloError(f"{where}: not an OpenSLO document (a mapping)")
        if doc.get("apiVersion") != _API:
            raise SloError(f"{where}: apiVersion {doc.get('apiVersion')!r}: only {_API} is read")
        kind = doc.get("kind")
        if kind == "SLI":
            slis[str((doc.get("metadata") or {}).get("name"))] = doc.get("spec") or {}
        elif kind == "SLO":
            slos.append((where, doc))
        elif kind != "Service":
            raise SloError(f"{where}: kind {kind!r} is not supported (SLO, SLI and Service are)")
    out = []
    for where, doc in slos:
        try:
            converted = _slo_document(doc, slis)
        except (ValueError, TypeError, json.JSONDecodeError) as exc:
            raise SloError(f"{where}: {exc}") from exc
        slo_from_mapping(converted, where)  # a clear error now rather than at start-up
        out.append(converted)
    return out
