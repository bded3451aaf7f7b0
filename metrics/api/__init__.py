"""The query API's routers for SLIs, SLOs, reconciliations and exceptions (SPEC 5)."""
