"""Maintenance windows in Prometheus and Alertmanager.

- :func:`maintenance_rules`: a ``SynclensMaintenance`` alert per window and
  scope that fires while the window is on (a time expression, no metric
  needed), labelled with the scope (``target``, ``warehouse``) and
  ``maintenance_scope``; the Alertmanager example inhibits every alert of
  the same scope while it fires;
- :func:`maintenance_tests`: promtool cases: on inside each window's first
  occurrences after the Unix epoch, off just before and at the end;
- :func:`silences`: Alertmanager silences (API v2 ``PostableSilence``, what
  ``amtool silence import`` reads) for every occurrence in a horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from collector.timefmt import NS_PER_S, iso
from metrics.generate.options import MAINTENANCE_ALERT, RuleOptions
from metrics.slo.maintenance import Maintenance

__all__ = ["maintenance_rules", "maintenance_tests", "scope_labels", "silences"]

_WEEK_MIN = 7 * 1440
#: minute of the UTC week, Monday 00:00 = 0 (``day_of_week()``: 0 is Sunday)
_MINUTE_OF_WEEK = "((day_of_week() + 6) % 7 * 1440 + hour() * 60 + minute())"


def _rfc3339(ns: int) -> str:
    """``2026-12-06T23:30:00Z``: seconds, or microseconds when the time has them."""
    moment = datetime.fromtimestamp(ns // 1000 / 1_000_000, UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _num(x: float) -> str:
    return f"{x:.9f}".rstrip("0").rstrip(".")


def scope_labels(target: str | None, warehouse: str | None) -> dict[str, str]:
    """The labels of one scope: what an inhibited alert must carry too."""
    labels: dict[str, str] = {}
    if target is not None:
        labels["target"] = target
    if warehouse is not None:
        labels["warehouse"] = warehouse
    labels["maintenance_scope"] = "_".join(k for k in ("target", "warehouse") if k in labels)
    return labels


def _expr(window: Maintenance) -> str:
    if window.start_ns is not None and window.end_ns is not None:
        return (
            f"vector(time()) >= {_num(window.start_ns / NS_PER_S)} "
            f"< {_num(window.end_ns / NS_PER_S)}"
        )
    minutes = window.duration_s // 60
    ranges: list[tuple[int, int]] = []
    for start in window.starts:
        end = start + minutes
        ranges.append((start, min(end, _WEEK_MIN)))
        if end > _WEEK_MIN:  # over Sunday midnight: the rest from Monday 00:00
            ranges.append((0, end - _WEEK_MIN))
    return " or ".join(f"({_MINUTE_OF_WEEK} >= {a} < {b})" for a, b in sorted(ranges))


def maintenance_rules(windows: Sequence[Maintenance], opts: RuleOptions) -> dict[str, Any]:
    """The rule group ``synclens-maintenance``: one alert per window and scope."""
    rules = []
    for window in windows:
        for target, warehouse in window.scopes:
            scope = scope_labels(target, warehouse)
            what = ", ".join(f"{k} {v}" for k, v in scope.items() if k != "maintenance_scope")
            rules.append(
                {
                    "alert": MAINTENANCE_ALERT,
                    "expr": _expr(window),
                    "labels": {"severity": "none", "maintenance": window.name, **scope},
                    "annotations": {
                        "summary": f"Planned maintenance {window.name} of {what}",
                        "description": window.description
                        or f"{what} is in planned maintenance: its alerts are inhibited "
                        "and its pairs left out of the SLOs.",
                        "runbook_url": f"{opts.runbook_url}#{MAINTENANCE_ALERT.lower()}",
                    },
                }
            )
    return {"groups": [{"name": "synclens-maintenance", "rules": rules}]}


def _on_at(windows: Sequence[Maintenance], opts: RuleOptions, t_s: int) -> list[dict[str, Any]]:
    """The SynclensMaintenance alerts expected at ``t_s`` seconds after the epoch."""
    t = t_s * NS_PER_S
    on = [w for w in windows if next(iter(w.occurrences(t, t + 1)), None) is not None]
    rules = maintenance_rules(on, opts)["groups"][0]["rules"]
    return [{"exp_labels": r["labels"], "exp_annotations": r["annotations"]} for r in rules]


def maintenance_tests(windows: Sequence[Maintenance], opts: RuleOptions) -> list[dict[str, Any]]:
    """promtool cases for the windows that occur within the first two weeks
    after the Unix epoch (every recurring one; a one-off window in 2026 would
    need millions of evaluation steps, and is tested with an early one):
    off a minute before the first occurrence, on at its start and a minute
    before its end, off at its end (with whatever other window is on then)."""
    tests: list[dict[str, Any]] = []
    horizon = 14 * 86_400 * NS_PER_S
    for window in windows:
        first = next(iter(window.occurrences(1, horizon)), None)
        if first is None:
            continue
        start_s, end_s = first[0] // NS_PER_S, first[1] // NS_PER_S
        checks = [t for t in (start_s - 60, start_s, end_s - 60, end_s) if t >= 0]
        tests.append(
            {
                "name": f"maintenance {window.name}: on from {iso(first[0])} to {iso(first[1])}",
                "interval": "1m",
                "input_series": [],
                "alert_rule_test": [
                    {
                        "eval_time": f"{t}s",
                        "alertname": MAINTENANCE_ALERT,
                        "exp_alerts": _on_at(windows, opts, t),
                    }
                    for t in checks
                ],
            }
        )
    return tests


def silences(
    windows: Sequence[Maintenance], from_ns: int, to_ns: int, *, created_by: str = "synclens"
) -> list[dict[str, Any]]:
    """An Alertmanager silence per scope and occurrence overlapping ``[from_ns, to_ns)``:
    it silences every alert carrying the scope's labels while the window is on."""
    out = []
    for window in windows:
        for start, end in window.occurrences(from_ns, to_ns):
            for target, warehouse in window.scopes:
                scope = scope_labels(target, warehouse)
                del scope["maintenance_scope"]
                out.append(
                    {
                        "matchers": [
                            {"name": k, "value": v, "isRegex": False, "isEqual": True}
                            for k, v in scope.items()
                        ],
                        "startsAt": _rfc3339(start),
                        "endsAt": _rfc3339(end),
                        "createdBy": created_by,
                        "comment": f"synclens maintenance {window.name}"
                        + (f": {window.description}" if window.description else ""),
                    }
                )
    return sorted(out, key=lambda s: (s["startsAt"], s["comment"]))
