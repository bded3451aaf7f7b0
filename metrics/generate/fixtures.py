"""The series and expected alerts of the generated ``promtool`` tests.

The test traffic of an SLO flows through one labelled series per side
(good, bad or total): target ``erp``, event type ``synclens.test``,
warehouse ``DC-EAST``, unless the SLO's ``matchers`` name another value.
An SLO grouped by a label judges that value on its own, so the expected
alerts carry it, and their annotations are rendered for it.
"""

from __future__ import annotations

import re
from typing import Any

from metrics.generate.options import RuleOptions
from metrics.generate.rules import bucket_bound
from metrics.slo.spec import AGING_BUCKETS, SloSpec

__all__ = ["expected_alert", "label_values", "sli_series"]

_DEFAULTS = {"target": "erp", "event_type": "synclens.test", "warehouse": "DC-EAST", "channel": ""}
_TEMPLATE = re.compile(r"\{\{ \$labels\.(\w+) \}\}")


def label_values(slo: SloSpec) -> dict[str, str]:
    """The label values of the test series (a grouped or matched channel is ``web``)."""
    values = dict(_DEFAULTS)
    if "channel" in (slo.group_by, *slo.matchers):
        values["channel"] = "web"
    return {**values, **slo.matchers}


def _labels(slo: SloSpec, *names: str) -> str:
    values = label_values(slo)
    return ",".join(f'{n}="{values[n]}"' for n in names)


def sli_series(slo: SloSpec, opts: RuleOptions) -> tuple[str, dict[str, str], dict[str, str]]:
    """For tests: (kind, good series, bad series) that feed the SLI, as metric -> series.

    ``kind`` is ``counter`` (values grow) or ``gauge`` (values hold).
    """
    if slo.sli == "first_pass":
        base = f'synclens_sync_pairs_total{{{_labels(slo, "target")},first_pass="%s"}}'
        return "counter", {"good": base % "true"}, {"bad": base % "false"}
    if slo.sli == "api_failure":
        base = f'synclens_sync_attempts_total{{{_labels(slo, "target")},outcome="%s",kind="first"}}'
        return "counter", {"good": base % "success"}, {"bad": base % "failure"}
    if slo.sli == "latency":
        le = bucket_bound(opts.default_latency_objective_s)
        labels = _labels(slo, "target", "event_type")
        return (
            "counter",
            {"good": f'synclens_sync_latency_seconds_bucket{{{labels},le="{le}"}}'},
            {"total": f"synclens_sync_latency_seconds_count{{{labels}}}"},
        )
    if slo.sli == "mismatch":
        labels = _labels(slo, "warehouse", "channel")
        base = f'synclens_reconciliation_keys{{{labels},result="%s"}}'
        return "gauge", {"good": base % "match"}, {"bad": base % "mismatch"}
    aged = AGING_BUCKETS[slo.aging_objective][0]
    base = 'synclens_exceptions_unresolved{kind="mismatch",age_bucket="%s"}'
    return "gauge", {"good": base % "lt_1h"}, {"bad": base % aged}


def expected_alert(
    slo: SloSpec, rule: dict[str, Any], *, grouped: bool = True, **values: str
) -> dict[str, dict[str, str]]:
    """What promtool should see of ``rule`` firing on the test series: the rule's
    labels plus the labels its expression keeps (``values``, and the group label
    when the rule is ``grouped``), and the annotations rendered with them."""
    kept = dict(values)
    if grouped and slo.group_by and label_values(slo)[slo.group_by]:
        kept.setdefault(slo.group_by, label_values(slo)[slo.group_by])
    return {
        "exp_labels": {**rule["labels"], **kept},
        "exp_annotations": {
            k: _TEMPLATE.sub(lambda m: kept.get(m.group(1), ""), v)
            for k, v in rule["annotations"].items()
        },
    }
