"""Running the app under uvicorn: logging, the bind-address guard, signals.

uvicorn handles SIGTERM/SIGINT: it stops accepting, finishes requests in
flight, then runs the app's shutdown, which drains the ingest queue and
checkpoints the store.  ``before_stop`` runs first, while the server still
answers (the demo stops its simulator there, which sends to this server).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Generator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import uvicorn

from collector.decoding import NativeUnavailable, use_native
from synclens.app import create_app
from synclens.edge.slowloris import with_header_deadline
from synclens.settings import ConfigError, Settings
from synclens.startup import check_stores

__all__ = [
    "EXIT_STORE_FAILED",
    "configure_logging",
    "preflight",
    "run_app",
    "serve",
    "uvicorn_config",
]

#: exit status after DuckDB invalidated the store (sysexits EX_TEMPFAIL: start again)
EXIT_STORE_FAILED = 75
_FATAL_GRACE_S = 1.0


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # one line per HTTP call of the demo's simulator or the scheduler is noise
    for chatty in ("httpx", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))


def preflight(settings: Settings) -> None:
    """What must hold before the service starts (ConfigError, one line, if not):
    a non-loopback address needs auth unless explicitly allowed; the OTLP
    protobuf decoder ``ingest.native_decoder`` asks for is there; the OTLP/gRPC
    port is free and its TLS files readable."""
    try:
        use_native(settings.ingest.native_decoder)
    except NativeUnavailable as exc:
        raise ConfigError(str(exc)) from exc
    _check_grpc(settings)
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


def _check_grpc(settings: Settings) -> None:
    """One line instead of a start-up traceback (the receiver binds in the
    app's lifespan); a port taken between this check and then still stops
    start-up, with the traceback."""
    grpc, host = settings.grpc, settings.host
    if not grpc.port:
        return
    for path in (grpc.tls_cert_file, grpc.tls_key_file):
        if path is not None and not os.access(path, os.R_OK):
            raise ConfigError(f"grpc TLS file {path} is not readable")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, grpc.port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen for OTLP/gRPC on {host}:{grpc.port}: {exc.strerror}; "
                "choose another --grpc-port (0: no gRPC receiver)"
            ) from exc


class _Server(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, so the
    process would die of the signal; synclens exits 0 after a clean stop."""

    def __init__(self, config: uvicorn.Config, before_stop: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._before_stop = before_stop
        self._in_before_stop = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        before, self._before_stop = self._before_stop, None
        if before is None:
            if self._in_before_stop:  # a second signal while the hook runs: as uvicorn's
                self.should_exit = True  # second Ctrl-C, exit now
            super().handle_exit(sig, frame)
            return
        self._in_before_stop = True

        def then_stop() -> None:  # not in the signal handler: the loop must keep serving
            try:
                before()
            finally:
                self._in_before_stop = False
                if not self.should_exit:
                    super(_Server, self).handle_exit(sig, frame)

        logging.getLogger("synclens").info("%s: stopping", signal.Signals(sig).name)
        threading.Thread(target=then_stop, name="synclens-before-stop", daemon=True).start()

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        with super().capture_signals():
            yield
            if self._captured_signals:
                logging.getLogger("synclens").info("stopped cleanly")
            self._captured_signals.clear()


def _exit_store_failed(reason: str) -> None:
    """The store cannot go on (``docs/operations.md``): answer what is under
    way (503) for a moment, then exit non-zero for the supervisor to restart
    the service; every acknowledged row is in the WAL, replayed at start."""
    log = logging.getLogger("synclens")
    log.critical(
        "store failed (%s); exiting with status %d in %.0f s for a restart",
        reason,
        EXIT_STORE_FAILED,
        _FATAL_GRACE_S,
    )

    def exit_soon() -> None:
        time.sleep(_FATAL_GRACE_S)
        logging.shutdown()
        os._exit(EXIT_STORE_FAILED)

    threading.Thread(target=exit_soon, name="synclens-store-failed", daemon=True).start()


def run_app(settings: Settings, *, before_stop: Callable[[], None] | None = None) -> None:
    """Run the app under uvicorn until SIGTERM/SIGINT; ``before_stop`` runs
    on the signal, while the server still answers, and the stop follows."""
    app = create_app(settings, on_store_fatal=_exit_store_failed)
    _Server(uvicorn_config(settings, app), before_stop).run()


def uvicorn_config(settings: Settings, app: Any) -> uvicorn.Config:
    """How uvicorn serves ``app``: TLS when given a certificate and key, a
    deadline for request headers, the keep-alive timeout."""
    edge = settings.edge
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,  # SIGTERM exits within 10 s in every state
        http=with_header_deadline(edge.header_timeout_s),
        timeout_keep_alive=int(max(1, edge.keep_alive_s)),
        ssl_certfile=edge.tls_cert_file,
        ssl_keyfile=edge.tls_key_file,
    )


def serve(settings: Settings) -> None:
    """``synclens serve``: refuse an unsafe bind or stores that cannot be
    opened (one line each, :mod:`synclens.startup`), then run until a signal."""
    preflight(settings)
    check_stores(settings)
    run_app(settings)
