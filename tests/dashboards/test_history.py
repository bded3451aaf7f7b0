"""The lineage page's pure pieces: history rows, snapshot labels, the kept zoom."""

from __future__ import annotations

import pandas as pd

from dashboards import history, lanes, lineage_figures, lineage_frames
from dashboards.lineage_frames import INSTANCE_SEP


def _event(n: int, targets: list[dict[str, object]]) -> dict[str, object]:
    return {
        "source": "erp",
        "id": f"e{n}",
        "type": "adjustment",
        "time": f"2026-01-01T00:0{n}:00.000000Z",
        "quantity": 5.0,
        "sequence": n,
        "targets": targets,
    }


def _attempt(n: int, ok: bool, **kw: object) -> dict[str, object]:
    return {
        "attempt": n,
        "outcome": "success" if ok else "failure",
        "replay": False,
        "trace_id": f"t{n}",
        **kw,
    }


def test_history_rows_one_per_event_and_target() -> None:
    raw = {
        "events": [
            _event(1, []),
            _event(
                2,
                [
                    {
                        "target": "wms",
                        "state": "applied",
                        "latency_s": 1.23456,
                        "within_objective": True,
                        "attempts": [_attempt(1, False, http_status=503), _attempt(2, True)],
                    },
                    {
                        "target": "commerce",
                        "state": "dead_lettered",
                        "latency_s": None,
                        "attempts": [_attempt(1, False, error_type="timeout", replay=True)],
                    },
                    {
                        "target": "tpl",
                        "state": "applied",
                        "latency_s": 0.5,
                        "attempts": [_attempt(1, True)],
                    },
                ],
            ),
        ]
    }
    rows = history.history_rows(raw, {"sku": "A"})
    assert [(r["event"], r["target"]) for r in rows] == [
        ("erp e2", "wms"),
        ("erp e2", "commerce"),
        ("erp e2", "tpl"),
        ("erp e1", ""),
    ]
    wms, commerce, tpl, none = rows
    assert (wms["state"], wms["latency_s"], wms["retries"], wms["error"]) == (
        "applied",
        1.235,
        1,
        "HTTP 503",
    )
    assert wms["trace_id"] == "t1" and wms["problem"]  # the failed attempt tells most
    assert wms["trace"] == "[open trace](/dashboards/lineage?sku=A&trace=t1)"
    assert (commerce["state"], commerce["dead_letter"], commerce["replay"]) == (
        "dead letter",
        "yes",
        "yes",
    )
    assert commerce["error"] == "timeout" and commerce["problem"]
    assert not tpl["problem"] and tpl["trace_id"] == "t1"
    assert none["state"] == "no target" and not none["problem"]


def test_history_columns_are_all_in_the_rows() -> None:
    fields = [c["field"] for c in history.column_defs()]
    row = history.history_rows({"events": [_event(1, [])]}, {})[0]
    assert set(fields) <= set(row)


def test_snapshot_labels_only_where_the_quantity_changes() -> None:
    lane = ["wms", "wms", f"wms{INSTANCE_SEP}b", "wms", f"wms{INSTANCE_SEP}b"]
    snaps = pd.DataFrame({"lane": lane, "quantity": [5.0, 5.0, 5.0, 7.0, 5.0]})
    assert lanes.snapshot_labels(snaps) == ["5", "", "5", "7", ""]


def test_kept_range_reads_a_zoom_and_forgets_autorange() -> None:
    assert lanes.kept_range({"xaxis.range": ["a", "b"]}) == ["a", "b"]
    assert lanes.kept_range({"xaxis.range[0]": "a", "xaxis.range[1]": "b"}) == ["a", "b"]
    assert lanes.kept_range({"xaxis.autorange": True}) is None
    assert lanes.kept_range(None) is None


def test_swimlane_keeps_the_zoom_it_is_given() -> None:
    snap = {
        "system": "wms",
        "instance": "dc-east",
        "taken_ns": 1_767_225_600_000_000_000,
        "location": "DC-EAST/1",
        "stock_status": "on_hand",
        "quantity": 4.0,
    }
    f = lineage_frames.lineage_frames({"events": []}, [snap])
    assert f.lanes() == [f"wms{INSTANCE_SEP}dc-east"]
    fig = lineage_figures.swimlane(f, revision="SKU A", xrange=["2026-01-01", "2026-01-02"])
    assert fig.layout.uirevision == "SKU A"
    assert list(fig.layout.xaxis.range) == ["2026-01-01", "2026-01-02"]
    assert fig.layout.xaxis.rangeslider.visible
    assert lineage_figures.swimlane(f).layout.xaxis.range is None
