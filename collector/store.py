"""The DuckDB store: one writer thread, group commits, readers on cursors.

Ingest hands the store Arrow tables; the writer thread takes everything
queued (up to ``max_group_rows``), drops what is already stored, appends the
rest as Arrow in one transaction and commits; only then is each submitter's
future resolved, so an acknowledgement means the rows are in DuckDB's WAL.
Every group commit has a sequence number, stored in the rows' ``seq``
column, so derived tables can follow exactly what changed since they last
looked.  Maintenance (retention, derivations) runs on the same thread as a
*task* between group commits: one writer, no write conflicts.  The one
exception is a rewrite of settled rows (SKU compaction), which runs
``beside`` the writer on a cursor of its own so that ingest does not wait for
it.  Readers take their own cursor (``store.reader()``) and never wait for
the writer.

Two DuckDB details the writer depends on:

- No transaction may stay open for the store's life (not even a read left
  half-fetched on the parent connection): DuckDB would keep every row
  deleted since it began (compaction's old copies, retention) and refuse
  every later checkpoint while it lives.
- ``max_vacuum_tasks = 0``: a checkpoint then appends the new rows as row
  groups of their own instead of merging them into the previous, partly
  filled one.  Merging rewrote up to a whole row group (~85 MB of spans) on
  every 16 MB checkpoint: the store took 72,000 spans/s instead of 183,000.
  Rows are not updated in place, and row groups whose rows are all deleted
  (what compaction and retention leave behind) are still dropped; the small
  row groups of recent ingest become full ones when compaction rewrites them.

When the disk fails under it (full, I/O error) the store never loses an
acknowledged row and never leaves a submitter waiting: a failed commit rolls
back, is reported to its submitters and in :attr:`Store.write_error`, and a
one-row probe commit notices when space returns; a failed checkpoint
invalidates the database (DuckDB's ``FatalException``), so the store refuses
everything (:class:`StoreFailed`) and calls ``on_fatal`` for a restart.
docs/operations.md says what the operator sees and does.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from collector.group_commit import WriteResult, write_events, write_spans
from collector.migrate import migrate
from collector.queries import sql
from collector.schema import EVENT_SCHEMA, SPAN_SCHEMA
from collector.store_errors import QueueFull, StoreClosed, StoreFailed, io_failure

__all__ = ["QueueFull", "Store", "StoreClosed", "StoreFailed", "Task", "WriteResult"]

log = logging.getLogger(__name__)

Kind = Literal["spans", "events", "task"]
Task = Callable[[duckdb.DuckDBPyConnection], Any]


def _settle(future: Future[Any], result: Any = None, exc: BaseException | None = None) -> None:
    if future.done():  # the submitter gave up waiting (cancelled)
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


@dataclass(slots=True)
class _Pending:
    kind: Kind
    table: pa.Table
    future: Future[Any] = field(default_factory=Future)
    task: Task | None = None


_NO_ROWS = pa.table({})


class Store:
    """Owns the DuckDB database; ``path`` ``":memory:"`` gives an in-memory one.

    ``extra_migrations`` names packages whose ``migrations/NNNN_*.sql`` are
    applied after the collector's own (derived tables of other layers).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        queue_max_rows: int = 500_000,
        max_group_rows: int = 200_000,
        extra_migrations: tuple[str, ...] = (),
        memory_limit: str | None = None,
        checkpoint_threshold: str | None = None,
        probe_interval_s: float = 2.0,
        on_fatal: Callable[[str], None] | None = None,
    ) -> None:
        self.path = str(path)
        # not merging row groups at checkpoints: see the module docstring
        config: dict[str, str | bool | int | float | list[str]] = {"max_vacuum_tasks": 0}
        if memory_limit:
            config["memory_limit"] = memory_limit  # larger work spills to temp files
        if checkpoint_threshold:
            config["checkpoint_threshold"] = checkpoint_threshold
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            config["temp_directory"] = f"{self.path}.tmp"
        self._conn = duckdb.connect(self.path, config=config)
        for package in ("collector", *extra_migrations):
            migrate(self._conn, package)
        self._conn.execute(sql("pair_facts_macros"))  # SPEC 2's pair facts, defined once
        # fetchall: a result left unfinished keeps its transaction open
        rows = self._conn.execute(sql("last_seq")).fetchall()
        self._seq = int(rows[0][0]) if rows else 0
        self._queue_max_rows = queue_max_rows
        self._max_group_rows = max_group_rows
        self._pending: list[_Pending] = []
        self._pending_rows = 0
        self._closing = False
        self._paused = 0
        self._probe_interval_s = probe_interval_s
        self._on_fatal = on_fatal
        self.write_error: str | None = None  # the last commit failed: why
        self.fatal_error: str | None = None  # the database was invalidated: why
        self.write_failures = 0  # commits and checkpoints the disk refused
        self._cond = threading.Condition()
        self._conn_lock = threading.Lock()
        self._conn_closed = False
        self._readers: set[duckdb.DuckDBPyConnection] = set()  # under _conn_lock
        self._reads_stopped = False  # stop_reads()
        self._beside_lock = threading.Lock()
        self._writer = threading.Thread(target=self._run, name="synclens-store-writer")
        self._writer.start()

    # -- schema -------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        with self.reader() as cur:
            row = cur.execute(
                "SELECT max(version) FROM schema_migrations WHERE package = 'collector'"
            ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- writes -------------------------------------------------------------

    def submit(self, kind: Literal["spans", "events"], table: pa.Table) -> Future[WriteResult]:
        """Queue rows for the writer; the future resolves after the commit.

        Raises :class:`QueueFull` when the queue is at its limit (a request
        larger than the whole limit is still taken when the queue is empty)
        and :class:`StoreClosed` during shutdown.
        """
        schema = SPAN_SCHEMA if kind == "spans" else EVENT_SCHEMA
        if not table.schema.equals(schema):
            table = table.cast(schema)
        item = _Pending(kind, table)
        rows = table.num_rows
        if rows == 0:
            item.future.set_result(WriteResult(0, 0))
            return item.future
        with self._cond:
            self._check_open()
            if self._pending_rows and self._pending_rows + rows > self._queue_max_rows:
                raise QueueFull(f"ingest queue full ({self._pending_rows} rows waiting)")
            self._pending.append(item)
            self._pending_rows += rows
            self._cond.notify()
        return item.future

    def run_task(self, task: Task) -> Future[Any]:
        """Run ``task(cursor)`` on the writer thread between group commits.

        The task owns its transaction (``begin``/``commit``); an exception it
        raises rolls back and reaches the future.
        """
        item = _Pending("task", _NO_ROWS, task=task)
        with self._cond:
            self._check_open()
            self._pending.append(item)
            self._cond.notify()
        return item.future

    def _check_open(self) -> None:  # under self._cond
        if self.fatal_error is not None:
            raise StoreFailed(f"the store failed and must be reopened: {self.fatal_error}")
        if self._closing or not self._writer.is_alive():
            raise StoreClosed("the store is shutting down")

    @property
    def accepting(self) -> bool:
        """True while the writer runs and the store takes writes."""
        return not self._closing and self.fatal_error is None and self._writer.is_alive()

    @property
    def unavailable(self) -> str | None:
        """Why the store cannot take writes now (``None``: it can)."""
        if self.fatal_error is not None:
            return f"store failed, restart needed: {self.fatal_error}"
        if self.write_error is not None:
            return f"store writes failing: {self.write_error}"
        if not self.accepting:
            return "store closed"
        return None

    @property
    def queue_rows(self) -> int:
        """Rows waiting for the writer (the ``synclens_ingest_queue_depth``)."""
        return self._pending_rows

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Hold the writer (e.g. while copying the database file); writes queue
        up to ``queue_max_rows`` and then get :class:`QueueFull`."""
        with self._cond:
            self._paused += 1
        try:
            yield
        finally:
            with self._cond:
                self._paused -= 1
                self._cond.notify_all()

    def _take_group(self) -> list[_Pending] | None:
        with self._cond:
            while (not self._pending or self._paused) and not self._closing:
                if self.write_error is not None and self.fatal_error is None and not self._paused:
                    if not self._cond.wait(self._probe_interval_s) and not self._pending:
                        return [_Pending("task", _NO_ROWS, task=_probe)]
                else:
                    self._cond.wait()
            if not self._pending:
                return None
            if self._pending[0].kind == "task":
                return [self._pending.pop(0)]
            group: list[_Pending] = []
            rows = 0
            while self._pending:
                head = self._pending[0]
                if head.kind == "task" or (
                    group and rows + head.table.num_rows > self._max_group_rows
                ):
                    break
                rows += head.table.num_rows
                group.append(self._pending.pop(0))
            return group

    def _run(self) -> None:
        with self._conn_lock:
            cur = self._conn.cursor()
        while (group := self._take_group()) is not None:
            try:
                if self.fatal_error is not None:
                    raise StoreFailed(f"the store failed and must be reopened: {self.fatal_error}")
                if group[0].task is not None:
                    results: list[Any] = [group[0].task(cur)]
                else:
                    results = self._write_group(cur, group)
            except Exception as exc:  # reported to every waiting submitter, never swallowed
                if group[0].task is _probe:
                    log.debug("store: the probe commit failed again: %s", exc)
                    self._failed(cur, exc)
                elif not isinstance(exc, StoreFailed):
                    log.exception("store writer: %d request(s) failed; rolled back", len(group))
                    self._failed(cur, exc)
                for item in group:
                    _settle(item.future, exc=exc)
            else:
                if group[0].task is None or group[0].task is _probe:
                    self._recovered()
                for item, result in zip(group, results, strict=True):
                    _settle(item.future, result)
            finally:
                # a task may leave a result unread (fetchone); DuckDB refuses
                # other work on the cursor until it is run to its end
                if self.fatal_error is None:
                    try:
                        cur.complete()
                    except duckdb.Error as exc:
                        log.exception("store writer: cannot reset its cursor")
                        self._failed(cur, exc)
                with self._cond:
                    self._pending_rows -= sum(item.table.num_rows for item in group)
        cur.close()

    def _failed(self, cur: duckdb.DuckDBPyConnection, exc: BaseException) -> None:
        """Record a failure of the writer: a refused write, or the end of the database."""
        if isinstance(exc, duckdb.FatalException) or "invalidated" in str(exc):
            if self.fatal_error is None:
                self.fatal_error = str(exc).splitlines()[0]
                self.write_failures += 1
                log.critical("store: the database is invalidated: %s", self.fatal_error)
                if self._on_fatal is not None:
                    self._on_fatal(self.fatal_error)
            return
        _rollback(cur)
        if io_failure(exc):
            self.write_failures += 1
            self.write_error = str(exc).splitlines()[0]

    def _recovered(self) -> None:
        if self.write_error is not None:
            log.warning("store: writes succeed again (after: %s)", self.write_error)
            self.write_error = None

    def _write_group(
        self, cur: duckdb.DuckDBPyConnection, group: list[_Pending]
    ) -> list[WriteResult]:
        results: dict[int, WriteResult] = {}
        seq = self._seq + 1
        cur.begin()
        for kind in ("spans", "events"):
            items = [(i, item) for i, item in enumerate(group) if item.kind == kind]
            if items:
                writer = write_spans if kind == "spans" else write_events
                written = writer(cur, [item.table for _, item in items], seq)
                for (i, _), result in zip(items, written, strict=True):
                    results[i] = result
        cur.commit()
        self._seq = seq
        return [results[i] for i in range(len(group))]

    def checkpoint(self) -> Future[bool]:
        """Fold the write-ahead log into the database file, between group
        commits, at a time of the scheduler's choosing rather than whenever
        the log passes ``checkpoint_threshold`` during a client's commit.

        Skipped (the future says False) while a :meth:`beside` task runs: a
        checkpoint cannot run beside another writing transaction."""

        def run(cur: duckdb.DuckDBPyConnection) -> bool:
            if self.write_error is not None:  # a checkpoint failing now would be fatal
                log.warning("checkpoint skipped: writes are failing (%s)", self.write_error)
                return False
            if not self._beside_lock.acquire(blocking=False):
                log.info("checkpoint skipped: maintenance is rewriting rows; next time")
                return False
            try:
                cur.execute("CHECKPOINT")
            finally:
                self._beside_lock.release()
            return True

        return self.run_task(run)

    def beside(self, task: Task) -> Any:
        """Run ``task(cursor)`` now, in the calling thread, on a cursor of its
        own beside the writer, and return its result.

        For maintenance that rewrites settled rows (compaction) and must not
        hold up ingest: DuckDB runs it as a transaction concurrent with the
        writer's group commits (appends never conflict with it; a delete of
        the same rows, e.g. retention, makes one of the two fail and roll
        back).  One such task at a time; checkpoints wait for the next turn.
        """
        with self._beside_lock, self.reader() as cur:
            return task(cur)

    def stop_reads(self, timeout_s: float = 10.0, grace_s: float = 0.0) -> int:
        """For a prompt shutdown, once requests are answered: interrupt what
        runs on reader cursors (a compaction block, a derivation, a
        reconciliation: each rolls back and raises
        ``duckdb.InterruptException`` in its thread, to be done again after
        the next start) until they let go (at most ``timeout_s``), and refuse
        new reads and :meth:`beside` tasks (:class:`StoreClosed`).  Writes
        are untouched: :meth:`close` still writes everything queued.
        Returns the number of reads interrupted; ``grace_s``: let them finish first."""
        deadline, patient = time.monotonic() + timeout_s, time.monotonic() + grace_s
        interrupted: set[int] = set()
        with self._conn_lock:
            self._reads_stopped = True
        while time.monotonic() < deadline:
            # under the lock: a reader closes its cursor under it (reader())
            with self._conn_lock:
                if not self._readers:
                    break
                for cur in self._readers if time.monotonic() >= patient else ():
                    cur.interrupt()  # again while it lets go: it may be between queries
                    interrupted.add(id(cur))
            time.sleep(0.02)
        if interrupted:
            log.info("store: %d running read(s) interrupted for shutdown", len(interrupted))
        return len(interrupted)

    # -- reads --------------------------------------------------------------

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one reader (one thread) at a time.

        Raises :class:`StoreClosed` once the store is closed or
        :meth:`stop_reads` was called."""
        with self._conn_lock:  # the parent connection takes one call at a time
            if self.fatal_error is not None:  # DuckDB refuses every read now too
                raise StoreFailed(f"the store failed and must be reopened: {self.fatal_error}")
            if self._conn_closed:
                raise StoreClosed("the store is closed")
            if self._reads_stopped:
                raise StoreClosed("the store is shutting down")
            cur = self._conn.cursor()
            self._readers.add(cur)
        try:
            yield cur
        finally:
            with self._conn_lock:  # stop_reads() never interrupts a closed cursor
                self._readers.discard(cur)
                cur.close()

    # -- life cycle ---------------------------------------------------------

    def close(self) -> None:
        """Write what is queued, stop the writer and the reads, checkpoint, close."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
        self._writer.join()
        self.stop_reads(grace_s=5.0)  # running reads end first (else: connection busy)
        with self._conn_lock:
            self._conn_closed = True
            try:
                if self.fatal_error is None and self.write_error is None:
                    self._conn.execute("CHECKPOINT")
            except duckdb.Error:  # committed rows stay in the WAL, replayed at the next open
                log.exception("store: the checkpoint at close failed; the WAL keeps the rows")
            finally:
                self._conn.close()
        log.info("store closed: %s", self.path)


def _probe(cur: duckdb.DuckDBPyConnection) -> None:
    """A one-row commit: does the disk take writes again?"""
    cur.execute(sql("store_probe"))


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    # the failure may have happened outside a transaction: nothing to undo then
    with contextlib.suppress(duckdb.TransactionException):
        cur.rollback()
