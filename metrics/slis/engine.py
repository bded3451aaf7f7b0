"""The SLI engine: keeps the pair facts current and answers SLI questions.

It owns no timing: the scheduler calls :meth:`SliEngine.refresh` on an
interval and the API calls :meth:`SliEngine.slis`, which refreshes first so
an answer always covers everything acknowledged before the question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from collector.clock import Clock
from collector.queries import Reader
from collector.store import Store
from metrics.facts import Refresher, RefreshResult
from metrics.slis.batch import family_slis_at
from metrics.slis.compute import Dimension, Excluded, Family, SliPart, compute_slis

__all__ = ["SliEngine"]


class SliEngine:
    def __init__(
        self,
        store: Store,
        refresher: Refresher,
        clock: Clock,
        parts: Sequence[SliPart] = (),
        history: Reader | None = None,
    ) -> None:
        self.store = store
        #: both tiers with a lake (collector/lake/tiers.py), else the hot store
        self.read: Reader = history or store.reader
        self.refresher = refresher
        self.clock = clock
        self.parts = list(parts)

    def refresh(self) -> RefreshResult:
        """Bring the derived tables up to date with what the store holds."""
        return self.refresher()

    def slis(
        self,
        window: str,
        *,
        by: Dimension | None = None,
        now_ns: int | None = None,
        parts: bool = True,
        from_ns: int | None = None,
        excluded: Sequence[Excluded] = (),
        only: Family | None = None,
    ) -> dict[str, Any]:
        """Every SLI over ``window`` (:func:`compute_slis`, whose ``from_ns``,
        ``excluded`` and ``only`` it passes on); ``parts=False`` leaves out the
        reconciliation and exception SLIs."""
        self.refresh()
        with self.read() as cur:
            return compute_slis(
                cur,
                window=window,
                now_ns=self.clock() if now_ns is None else now_ns,
                by=by,
                parts=self.parts if parts else (),
                locations=self.refresher.derivation.locations,
                from_ns=from_ns,
                excluded=excluded,
                only=only,
            )

    def slis_at(
        self,
        wanted: Iterable[tuple[str, int]],
        *,
        parts: bool = True,
        excluded: Sequence[Excluded] = (),
        only: Family | None = None,
    ) -> dict[tuple[str, int], dict[str, Any]]:
        """The overall SLIs of each ``(window, ending at ns)`` in ``wanted``:
        one refresh and one reader for them all (an SLO's history asks ~200);
        ``only``: one family of SLIs (:func:`compute_slis`); the counts of
        one family with no parts (an SLO's history) come in one pass for all
        (:func:`~metrics.slis.batch.family_slis_at`), the same answers."""
        self.refresh()
        with self.store.reader() as cur:
            if only in ("pair_counts", "attempts") and not (parts and self.parts):
                return family_slis_at(
                    cur,
                    wanted,
                    locations=self.refresher.derivation.locations,
                    excluded=excluded,
                    only=only,
                )
            return {
                (window, at): compute_slis(
                    cur,
                    window=window,
                    now_ns=at,
                    parts=self.parts if parts else (),
                    locations=self.refresher.derivation.locations,
                    excluded=excluded,
                    only=only,
                )["slis"]
                for window, at in sorted(set(wanted))
            }
