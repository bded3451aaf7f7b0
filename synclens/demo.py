"""``synclens demo``: the service plus the simulated network feeding it.

The service runs in the main thread (so SIGINT/SIGTERM stop it cleanly);
a feeder thread waits until it is ready, runs a short accelerated backfill
so the charts are not empty (reconciling as soon as snapshots arrive, so
the mismatch numbers are there in the first minute), prints where to look,
then feeds it in real time until the service stops.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import threading
import time
from pathlib import Path

import httpx

from synclens.server import configure_logging, preflight, run_app
from synclens.settings import ConfigError, Settings
from synclens.startup import check_stores

__all__ = ["run_demo"]

log = logging.getLogger("synclens.demo")

_DEMO_DIR = Path("data/demo")


def _fresh_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """A fresh demo database: ``data/demo/`` wiped, or a new ``--db`` file;
    the lake on, beside it (``<dir of db>/lake/``)."""
    settings = settings.model_copy(
        update={"lake": settings.lake.model_copy(update={"enabled": True})}
    )
    if args.db is None:
        shutil.rmtree(_DEMO_DIR, ignore_errors=True)
        _DEMO_DIR.mkdir(parents=True)
        updates = {"db": str(_DEMO_DIR / "synclens.duckdb")}
        if args.ops_db is None:
            updates["ops_db"] = f"sqlite:///{_DEMO_DIR / 'ops.sqlite'}"
        return settings.model_copy(update=updates)
    if Path(args.db).exists():
        raise ConfigError(
            f"the demo needs a fresh database and {args.db} exists: remove it or choose another --db"
        )
    return settings


def _wait_ready(url: str, stop: threading.Event, timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


def _reconcile_early(
    url: str, stop: threading.Event, *, every_s: float = 5.0, within_s: float = 120.0
) -> None:
    """Reconcile as soon as the backfill has sent snapshots, so the mismatch tile,
    heat map and exceptions have data in the first minute (the scheduled run
    comes only every ``reconciliation.interval_s``)."""
    deadline = time.monotonic() + within_s
    while not stop.wait(every_s) and time.monotonic() < deadline:
        try:
            r = httpx.post(f"{url}/api/v1/reconciliations", timeout=60.0)
        except httpx.TransportError:
            continue
        if r.status_code == 200 and r.json().get("compared"):
            log.info("demo: reconciled %d stock records during the backfill", r.json()["compared"])
            return


def _feed(url: str, args: argparse.Namespace, stop: threading.Event) -> None:
    from simulator.runner import feed_demo

    if not _wait_ready(url, stop):
        log.error("the service did not become ready; the simulator is not started")
        return
    log.info(
        "simulator: %.1f simulated hours of backfill (profile %s, seed %d), then real time",
        args.backfill,
        args.profile,
        args.seed,
    )
    print(
        "\n  synclens demo is running\n"
        f"    dashboards   {url}/dashboards/\n"
        f"    API docs     {url}/docs\n"
        f"    lineage      {url}/api/v1/lineage?sku=SKU-00001\n"
        f"    SLIs         {url}/api/v1/slis?window=1h&by=target\n"
        f"    metrics      {url}/metrics\n"
        "  Ctrl-C stops it.\n",
        flush=True,
    )
    threading.Thread(
        target=_reconcile_early, args=(url, stop), name="synclens-demo-reconcile", daemon=True
    ).start()
    try:
        summary = feed_demo(
            url, seed=args.seed, profile=args.profile, backfill_s=args.backfill * 3600, stop=stop
        )
    except Exception:  # the demo keeps serving what it has; say why the feed stopped
        log.exception("simulator stopped")
        return
    log.info("simulator stopped: %s", summary)


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Serve with the simulator feeding; returns the exit status."""
    settings = _fresh_settings(args, settings)
    configure_logging(settings.log_level)
    preflight(settings)
    check_stores(settings)
    url = f"http://{'127.0.0.1' if settings.host in ('0.0.0.0', '::') else settings.host}:{settings.port}"
    stop = threading.Event()
    feeder = threading.Thread(target=_feed, args=(url, args, stop), name="synclens-demo-feed")
    feeder.start()

    def stop_feeding() -> None:  # while the service still takes what it sends last
        stop.set()
        feeder.join(timeout=30)

    try:
        run_app(settings, before_stop=stop_feeding)
    finally:
        stop_feeding()
    return 0
