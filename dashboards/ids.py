"""Every Dash component id of the dashboards, in one place.

Pages and tests refer to components by these names only, so a rename is
one edit and a browser test never guesses an id.
"""

from __future__ import annotations

# -- the shell ----------------------------------------------------------------
URL = "url"
PAGE = "page"
NAV = "nav"
REFRESH = "refresh-interval"
PAUSE = "refresh-pause"
REFRESH_STATE = "refresh-state"

# -- overview (executives) ----------------------------------------------------
OV_WINDOW = "overview-window"
OV_TILES = "overview-slo-tiles"
OV_HEADLINE = "overview-headline"
OV_MISMATCH = "overview-mismatch-heatmap"
OV_BACKLOG = "overview-backlog"
OV_ORDERS = "overview-orders-impacted"
OV_LATENCY = "overview-latency"
OV_MONTHS = "overview-months"
OV_CAUSES = "overview-budget-causes"
OV_CAUSE_SUMMARY = "overview-budget-cause-summary"
OV_ORDER_LIST = "impacted-orders"
OV_MISMATCH_LINKS = "overview-mismatch-links"
OV_BACKLOG_LINKS = "overview-backlog-links"
OV_CHANGES = "overview-changes"

# -- on-call --------------------------------------------------------------------
OC_WINDOW = "oncall-window"
OC_BURN = "oncall-burn-rates"
OC_STATUS = "oncall-status"
OC_FAILING = "oncall-failing-targets"
OC_UNDELIVERED = "oncall-undelivered"
OC_INGEST = "oncall-ingest"
OC_INGEST_SAMPLE = "oncall-ingest-sample"
OC_NEWEST = "oncall-newest-exceptions"
OC_FIRING = "oncall-firing"
OC_MARKERS = "oncall-markers"
OC_TREND = "oncall-slo-trend"
OC_BURN_LINKS = "oncall-burn-links"
OC_FAILING_LINKS = "oncall-failing-links"
OC_UNDELIVERED_LINKS = "oncall-undelivered-links"

# -- one SLO's history ----------------------------------------------------------
SL_NAME = "slo-name"
SL_WINDOW = "slo-window"
SL_STATE = "slo-state"
SL_BURN = "slo-burn-history"
SL_BUDGET = "slo-budget-history"
SL_FIRING = "slo-firing-intervals"
SL_MARKERS = "slo-markers"

# -- failed attempts (on-call drill-down) ---------------------------------------
AT_WINDOW = "attempts-window"
AT_TARGET = "attempts-target"
AT_CLASS = "attempts-error-class"
AT_SKU = "attempts-sku"
AT_STATUS = "attempts-http-status"
AT_SINCE = "attempts-since"
AT_UNTIL = "attempts-until"
AT_PAGE = "attempts-page"
AT_PREV = "attempts-previous"
AT_NEXT = "attempts-next"
AT_PAGER = "attempts-pager"
AT_URL = "attempts-url"
AT_SUMMARY = "attempts-summary"
AT_TABLE = "attempts-table"

# -- lineage explorer -------------------------------------------------------------
LN_MODE = "lineage-mode"
LN_SKU = "lineage-sku"
LN_LOCATION = "lineage-location"
LN_ORDER = "lineage-order"
LN_SEARCH = "lineage-search"
LN_SUMMARY = "lineage-summary"
LN_SWIMLANE = "lineage-swimlane"
LN_EVENTS = "lineage-events"
LN_TRACE = "lineage-trace"
LN_TRACE_TITLE = "lineage-trace-title"
LN_TRACE_ID = "lineage-trace-id"
LN_URL = "lineage-url"
LN_HISTORY = "lineage-history"
LN_PROBLEMS = "lineage-problems-only"
LN_PARAMS = "lineage-params"

# -- exceptions -----------------------------------------------------------------
EX_KIND = "exceptions-kind"
EX_STATUS = "exceptions-status"
EX_WAREHOUSE = "exceptions-warehouse"
EX_TARGET = "exceptions-target"
EX_SUMMARY = "exceptions-summary"
EX_TABLE = "exceptions-table"
EX_DETAIL = "exceptions-detail"
EX_NOTE = "exceptions-note"
EX_ACK = "exceptions-ack"
EX_RESOLVE = "exceptions-resolve"
EX_MESSAGE = "exceptions-message"
EX_AUDIT = "exceptions-audit"
EX_CHANGED = "exceptions-changed"
EX_SELECTED = "exceptions-selected"
EX_PICKED = "exceptions-picked"
EX_EVIDENCE = "exceptions-evidence"

# -- the period report (executives) ----------------------------------------------
RP_PERIOD = "report-period"
RP_BODY = "report-body"
RP_SLOS = "report-slos"
RP_ATTAINMENT = "report-attainment"
RP_TREND = "report-trend"
RP_COSTS = "report-costs"
RP_ALERTS = "report-alerts"

__all__ = sorted(name for name in list(globals()) if name.isupper())

# the header: who is signed in
WHO = "who"
SIGN_OUT = "sign-out"
