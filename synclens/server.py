"""Running the app under uvicorn: logging, the bind-address guard, signals.

uvicorn handles SIGTERM/SIGINT: it stops accepting, finishes requests in
flight, then runs the app's shutdown, which drains the ingest queue and
checkpoints the store.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from contextlib import contextmanager

import uvicorn

from synclens.app import create_app
from synclens.settings import ConfigError, Settings

__all__ = ["check_bind", "configure_logging", "run_app", "serve"]


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # one line per HTTP call of the demo's simulator or the scheduler is noise
    for chatty in ("httpx", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))


def check_bind(settings: Settings) -> None:
    """Refuse a non-loopback address without auth unless explicitly allowed."""
    loopback = settings.host in ("127.0.0.1", "localhost", "::1") or settings.host.startswith(
        "127."
    )
    if (
        not loopback
        and not settings.auth_enabled
        and not settings.allow_unauthenticated_public_bind
    ):
        raise ConfigError(
            f"refusing to listen on {settings.host} without auth tokens: configure auth.tokens "
            "or pass --allow-unauthenticated (SYNCLENS_ALLOW_UNAUTHENTICATED_PUBLIC_BIND=true)"
        )


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, so the
    process would die of the signal; synclens exits 0 after a clean stop."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            if self._captured_signals:
                logging.getLogger("synclens").info("stopped cleanly")
            self._captured_signals.clear()


def run_app(settings: Settings) -> None:
    """Run the app under uvicorn until SIGTERM/SIGINT."""
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
    )
    _Server(config).run()


def serve(settings: Settings) -> None:
    """``synclens serve``: refuse an unsafe bind, then run until a signal."""
    check_bind(settings)
    run_app(settings)
