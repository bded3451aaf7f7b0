"""``synclens report``: the executive report of a period as a PDF.

The PDF is the ``/dashboards/report`` page printed by headless Chromium
(:mod:`synclens.printing`), so it shows what the page shows.  Two ways to
reach a page:

- ``--url``: a running synclens (``--token`` or ``SYNCLENS_TOKEN`` when it
  has auth on); nothing else is opened.
- no ``--url``: synclens itself starts on a free loopback port against the
  configured stores (``--config``, ``--db``, ``--ops-db``) for as long as the
  printing takes.  DuckDB lets one process open a file: while a ``synclens
  serve`` runs on it, use ``--url``.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from synclens.printing import PrintError, print_pdf
from synclens.settings import Settings, load_settings

__all__ = ["add_arguments", "ready_script", "run"]

DESCRIPTION = """\
Write the executive report of a period to a PDF: SLO attainment against objective,
error budget spent, the alerts that fired, the targets and warehouses that cost most
budget, orders impacted and the week-over-week trend, with plots.  It is the page
/dashboards/report printed by headless Chromium (found on PATH as chromium,
chromium-browser or google-chrome, or given with --chromium).

With --url it prints from a running synclens (pass --token, or set SYNCLENS_TOKEN,
when auth is on).  Without --url it starts synclens on a free loopback port against
the configured stores (--config, --db, --ops-db) while it prints; a DuckDB file that
a running `synclens serve` holds cannot be opened twice: then use --url.

Periods are UTC: an ISO week (2026-W48), a month (2026-11) or a quarter (2026-Q4).
Exit status: 0 written, 1 the service or Chromium failed, 2 bad arguments.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--period", required=True, help="2026-W48 (ISO week), 2026-11 (month) or 2026-Q4"
    )
    parser.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    parser.add_argument("--url", help="a running synclens (default: start one on the stores)")
    parser.add_argument("--token", help="bearer token with the read scope (or SYNCLENS_TOKEN)")
    parser.add_argument("--chromium", help="the Chromium binary (default: found on PATH)")
    parser.add_argument("--config", type=Path, help="synclens.yaml, without --url")
    parser.add_argument("--db", help="DuckDB file, without --url")
    parser.add_argument("--ops-db", help="SQLAlchemy URL of the operational store, without --url")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="seconds to wait for the page (default 180)"
    )


def ready_script(period: str) -> str:
    """JavaScript that answers ``ready`` once the report of ``period`` is
    drawn, the page's own message if it shows one instead, else ``""``."""
    return f"""(() => {{
  const body = document.getElementById('report-body');
  if (!body || document.querySelector('[data-dash-is-loading="true"]')) return '';
  if (!body.querySelector('[data-report="{period}"]')) {{
    const note = body.querySelector(':scope > .empty-note');
    return note ? 'the report page says: ' + note.textContent : '';
  }}
  const graphs = Array.from(body.querySelectorAll('.dash-graph'));
  return graphs.every(g => g.querySelector('.main-svg')) ? 'ready' : '';
}})()"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _local_service(settings: Settings, timeout: float) -> Iterator[str]:
    """synclens on a free loopback port (no gRPC, no TLS) while the block runs."""
    import uvicorn

    from synclens.app import create_app
    from synclens.startup import check_stores

    check_stores(settings)
    port = _free_port()
    grpc = type(settings.grpc).model_validate({**settings.grpc.model_dump(), "port": 0})
    local = settings.model_copy(update={"host": "127.0.0.1", "port": port, "grpc": grpc})
    config = uvicorn.Config(create_app(local), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="synclens-report", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if not thread.is_alive():
                raise PrintError("synclens did not start on the configured stores")
            try:
                if httpx.get(f"{url}/readyz", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise PrintError(f"synclens was not ready after {timeout:g} s")
            time.sleep(0.1)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def _check(url: str, period: str, token: str | None, timeout: float) -> None:
    """Ask the API first: a refused token or a bad period is one clear line."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        resp = httpx.get(
            f"{url}/api/v1/report", params={"period": period}, headers=headers, timeout=timeout
        )
    except httpx.HTTPError as exc:
        raise PrintError(f"cannot reach {url}: {exc}") from exc
    if resp.status_code == 401:
        raise PrintError(f"{url} asks for a token with the read scope (--token or SYNCLENS_TOKEN)")
    if resp.status_code == 422:
        detail = resp.json().get("detail")
        message = detail[0].get("msg") if isinstance(detail, list) and detail else detail
        raise PrintError(f"period {period}: {message}")
    if resp.status_code != 200:
        raise PrintError(f"{url}/api/v1/report: {resp.status_code} {resp.text[:300]}")


def _print(url: str, args: argparse.Namespace, label: str, token: str | None) -> int:
    _check(url, label, token, args.timeout)
    page = f"{url.rstrip('/')}/dashboards/report?{urlencode({'period': label})}"
    return print_pdf(
        page,
        args.out,
        ready=ready_script(label),
        token=token,
        chromium=args.chromium,
        timeout=args.timeout,
    )


def run(args: argparse.Namespace) -> int:
    from metrics.report import PeriodError, parse_period
    from synclens.printing import find_chromium
    from synclens.startup import StartupError

    try:
        label = parse_period(args.period).label
    except PeriodError as exc:
        print(f"synclens report: {exc}", file=sys.stderr)
        return 2
    token: Any = args.token or os.environ.get("SYNCLENS_TOKEN") or None
    try:
        find_chromium(args.chromium)  # before starting anything
        if args.url:
            size = _print(args.url.rstrip("/"), args, label, token)
        else:
            settings = load_settings(args.config, db=args.db, ops_db=args.ops_db)
            with _local_service(settings, args.timeout) as url:
                size = _print(url, args, label, token)
    except PrintError as exc:
        print(f"synclens report: {exc}", file=sys.stderr)
        return 1
    except StartupError as exc:  # e.g. a running synclens holds the store
        print(f"synclens report: {exc}; or print from it with --url", file=sys.stderr)
        return 1
    print(f"{args.out} ({size:,} bytes): the report of {label}")
    return 0
