"""Change markers for the dashboards' time charts (docs/dashboards.md, "Change markers")."""

from metrics.annotations.store import (
    KINDS,
    POSTED_KINDS,
    Annotation,
    AnnotationStore,
    digest,
)

__all__ = ["KINDS", "POSTED_KINDS", "Annotation", "AnnotationStore", "digest"]
