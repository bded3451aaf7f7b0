"""What the store refuses with, and how to tell a disk's refusal from the data's."""

from __future__ import annotations

import duckdb

__all__ = ["QueueFull", "StoreClosed", "StoreFailed", "io_failure"]


class QueueFull(Exception):
    """The ingest queue holds ``queue_max_rows`` already: retry later."""


class StoreClosed(Exception):
    """The store is shutting down and takes no more writes."""


class StoreFailed(StoreClosed):
    """A fatal DuckDB error (a failed checkpoint) invalidated the database:
    nothing more can be written until the process opens it again."""


def io_failure(exc: BaseException) -> bool:
    """A write the disk refused (full, I/O error), not one the data refused."""
    text = str(exc)
    return isinstance(exc, duckdb.IOException | duckdb.FatalException) or any(
        marker in text for marker in ("Could not write", "No space left", "Input/output error")
    )
