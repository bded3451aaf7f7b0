"""Keyboard paths for the charts' drill-downs.

A click on a heat-map row or a bar opens the list behind it; Tab cannot
reach into a Plotly chart, so under each such chart the same destinations
are links (Tab to one, Enter), each naming what it counts.  Built from the
frame the chart draws, by pure functions: a link goes where a click on that
part of the chart goes (:func:`dashboards.pages.oncall.drill_link`,
:func:`dashboards.pages.overview.drill_link`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import html

from dashboards.components import attrs, href
from dashboards.figures import KIND_LABELS

__all__ = [
    "Drill",
    "backlog_drills",
    "burn_drills",
    "drill_list",
    "failing_drills",
    "mismatch_drills",
    "undelivered_drills",
]

#: ``(words, link)``: one destination of a chart
Drill = tuple[str, str]


def mismatch_drills(df: pd.DataFrame) -> list[Drill]:
    """One per warehouse with mismatched records (a heat-map row: a click on
    any of its cells opens its mismatch exceptions), with the row's counts."""
    if df.empty:
        return []
    found = []
    for warehouse, rows in df.groupby("warehouse", sort=True):
        compared, mismatched = int(rows["compared"].sum()), int(rows["mismatched"].sum())
        if not mismatched:
            continue
        share = f" ({100 * mismatched / compared:.2f}%)" if compared else ""
        found.append(
            (
                f"{warehouse}: {mismatched:,} of {compared:,} records disagree{share}",
                href("exceptions", kind="mismatch", warehouse=str(warehouse)),
            )
        )
    return found


def backlog_drills(df: pd.DataFrame) -> list[Drill]:
    """One per kind of open problem (a click on any of its bars opens them)."""
    if df.empty:
        return []
    found = []
    for kind, rows in df.groupby("kind", sort=True):
        total = int(rows["count"].sum())
        if not total:
            continue
        old = int(rows[rows["bucket"] == "gt_24h"]["count"].sum())
        label = KIND_LABELS.get(str(kind), str(kind))
        found.append(
            (
                f"{label}: {total:,} open" + (f", {old:,} over a day" if old else ""),
                href("exceptions", status="unresolved", kind=str(kind)),
            )
        )
    return found


def failing_drills(
    targets: pd.DataFrame, failures: pd.DataFrame | None, window: str
) -> list[Drill]:
    """Per target with failed calls: all its failed attempts, then those of
    each failure class (a click on a class's bar)."""
    rows = targets[targets["failed"] > 0] if not targets.empty else targets
    found = []
    for _, t in rows.sort_values("target").iterrows():
        target = str(t["target"])
        found.append(
            (
                f"{target}: {int(t['failed']):,} of {int(t['attempts']):,} calls failed",
                href("attempts", window=window, target=target),
            )
        )
        if failures is None or failures.empty:
            continue
        mine = failures[(failures["target"] == target) & (failures["failed"] > 0)]
        for _, f in mine.sort_values(["failed", "error_type"], ascending=[False, True]).iterrows():
            found.append(
                (
                    f"{target}, {f['error_type']}: {int(f['failed']):,}",
                    href("attempts", window=window, target=target, error_class=f["error_type"]),
                )
            )
    return found


def undelivered_drills(targets: pd.DataFrame) -> list[Drill]:
    """Per target and kind (undelivered, dead-lettered) with any."""
    if targets.empty:
        return []
    found = []
    for _, t in targets.sort_values("target").iterrows():
        for kind, words in (("undelivered", "undelivered"), ("dead_lettered", "dead-lettered")):
            if int(t[kind]):
                found.append(
                    (
                        f"{t['target']}: {int(t[kind]):,} {words}",
                        href("exceptions", kind=kind, target=t["target"], status="unresolved"),
                    )
                )
    return found


def burn_drills(burn: pd.DataFrame, window: str) -> list[Drill]:
    """Each SLO's burn-rate and budget history (a click on any of its bars)."""
    if burn.empty:
        return []
    found = []
    for name, rows in burn.groupby("name", sort=False):
        firing = rows[rows["firing"]]
        state = (
            f"firing ({', '.join(dict.fromkeys(firing['severity']))})"
            if not firing.empty
            else "not firing"
        )
        found.append(
            (
                f"{rows['title'].iloc[0]}: {state}, its history",
                href("slo", name=str(name), window=window),
            )
        )
    return found


def drill_list(chart: str, drills: list[Drill], *, what: str) -> Any:
    """The links under a chart (``chart``: its id, ``data-drill`` for tests);
    ``what``: the words before them, e.g. "Open the mismatches of"."""
    if not drills:
        return html.Div(**attrs(drill=chart))
    return html.Div(
        [
            html.Span(what, className="drill-what"),
            html.Ul(
                [
                    # a plain link: Enter opens it as a click does, in a new tab too
                    html.Li(html.A(words, href=link), className="drill-link")
                    for words, link in drills
                ]
            ),
        ],
        className="drill-links",
        **attrs(drill=chart),
    )
