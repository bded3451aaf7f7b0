"""The ``synclens`` command: serve, demo, simulate, reconcile, backup, restore,
report, alerts / grafana generate, alerts silences, slo import / export, users hash."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metrics.slo.spec import SloError
from synclens.settings import ConfigError, Settings, load_settings
from synclens.slocli import add_silences_parser, add_slo_parser, run_silences, run_slo

if TYPE_CHECKING:
    from metrics.generate.options import RuleOptions

__all__ = ["build_parser", "generated_files", "main", "rule_options"]

_DESCRIPTION = """\
synclens: observability and SLOs for inventory synchronisation.

Point your middleware's OpenTelemetry exporter (OTLP/HTTP or OTLP/gRPC) and your systems'
CloudEvents at the service; ask it what happened to a SKU or an order.
"""


def _service_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port for ingest, API, /metrics (default 4318)")
    parser.add_argument(
        "--grpc-port", type=int, help="port for OTLP/gRPC (default 4317; 0: no gRPC receiver)"
    )
    parser.add_argument("--db", help="DuckDB file (default ./data/synclens.duckdb)")
    parser.add_argument("--ops-db", help="SQLAlchemy URL of the operational store")
    parser.add_argument("--config", type=Path, help="synclens.yaml (every key has a default)")
    parser.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        default=None,
        dest="allow_unauthenticated_public_bind",
        help="allow a non-loopback --host with no auth tokens configured",
    )
    parser.add_argument(
        "--alertmanager", metavar="URL", help="push exception alerts to this Alertmanager (API v2)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synclens",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the service (ingest, API, /metrics) until SIGTERM/SIGINT",
        description="Run the synclens service: OTLP/HTTP on /v1/traces, OTLP/gRPC on --grpc-port, "
        "CloudEvents on "
        "/v1/events, the query API under /api/v1, /metrics, /healthz, /readyz, /docs.",
    )
    _service_options(serve)

    demo = commands.add_parser(
        "demo",
        help="the service plus a simulated distribution network feeding it",
        description="Start the service on a fresh demo database and feed it from the "
        "simulator: a short accelerated backfill, then real time at a modest rate.",
    )
    _service_options(demo)
    demo.add_argument("--seed", type=int, default=7, help="simulator seed (default 7)")
    demo.add_argument("--profile", default="realistic", help="fault profile (default realistic)")
    demo.add_argument(
        "--backfill", type=float, default=2.0, help="simulated hours of backfill first (default 2)"
    )

    reconcile = commands.add_parser(
        "reconcile",
        help="reconcile the latest snapshots and run the exception detectors now",
        description="Ask a running synclens service to reconcile the latest snapshots and "
        "run every exception detector (POST /api/v1/reconciliations); print the summary.",
    )
    reconcile.add_argument("--url", default="http://127.0.0.1:4318", help="service base URL")
    reconcile.add_argument("--token", help="bearer token, when the service has auth on")

    _backup_commands(commands)
    _generate_commands(commands)
    add_slo_parser(commands)

    from synclens import report_cli

    report = commands.add_parser(
        "report",
        help="the executive report of a week, month or quarter, as a PDF",
        description=report_cli.DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report_cli.add_arguments(report)

    users = commands.add_parser("users", help="local users: hash a password for synclens.yaml")
    users_sub = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    hash_cmd = users_sub.add_parser(
        "hash",
        help="print the argon2id (or bcrypt) hash of a password (asked twice, not echoed)",
        description="Print the hash of a password, for auth.users[].password_hash.",
    )
    hash_cmd.add_argument(
        "--scheme",
        choices=("argon2", "bcrypt"),
        default="argon2",
        help="argon2 (argon2id, the default) or bcrypt ($2b$, at most 72 bytes of password)",
    )
    hash_cmd.add_argument(
        "--stdin", action="store_true", help="read the password from the first line of stdin"
    )

    simulate = commands.add_parser(
        "simulate",
        help="only the simulated network, against any collector",
        description="Run the simulated distribution network against a collector URL.",
    )
    from simulator.cli import add_arguments

    add_arguments(simulate)
    return parser


def _backup_commands(commands: Any) -> None:
    """``synclens backup`` (asks the running service) and ``synclens restore`` (offline)."""
    backup = commands.add_parser(
        "backup",
        help="back up a running service's store and operational store",
        description="Ask a running synclens service for a consistent backup "
        "(POST /api/v1/admin/backup) while it ingests; it writes DIR on its own host.",
    )
    backup.add_argument("--to", type=Path, required=True, help="a new or empty directory")
    backup.add_argument("--url", default="http://127.0.0.1:4318", help="service base URL")
    backup.add_argument("--token", help="a token with the admin scope, when auth is on")
    restore = commands.add_parser(
        "restore",
        help="restore a backup into a new store (the service stopped)",
        description="Import a backup made by `synclens backup` into a new DuckDB file "
        "and, when it holds one, a new SQLite operational store.",
    )
    restore.add_argument("--from", dest="source", type=Path, required=True, help="backup dir")
    restore.add_argument("--db", type=Path, required=True, help="the new DuckDB file")
    restore.add_argument("--ops-db", help="SQLAlchemy URL of the new operational store")


def _post_to_service(
    args: argparse.Namespace, path: str, timeout: float, json_body: Any = None
) -> int:
    """``synclens reconcile|backup``: POST to the running service, print its JSON."""
    import json

    import httpx

    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    try:
        resp = httpx.post(
            f"{args.url.rstrip('/')}{path}", json=json_body, headers=headers, timeout=timeout
        )
    except httpx.HTTPError as exc:
        print(f"synclens {args.command}: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    if resp.status_code != 200:
        print(f"synclens {args.command}: {resp.status_code} {resp.text[:500]}", file=sys.stderr)
        return 1
    print(json.dumps(resp.json(), indent=2))
    return 0


def _restore(args: argparse.Namespace) -> int:
    import json

    from synclens.backup import BackupError, restore

    try:
        manifest = restore(args.source, args.db, args.ops_db)
    except BackupError as exc:
        print(f"synclens restore: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest, indent=2))
    return 0


def _generate_commands(commands: Any) -> None:
    """``synclens alerts generate`` and ``synclens grafana generate``."""
    for name, what, default_out in (
        ("alerts", "Prometheus rules, their promtool tests and an Alertmanager example", "alerts"),
        ("grafana", "Grafana dashboards JSON and provisioning files", "grafana"),
    ):
        group = commands.add_parser(name, help=f"generate {what}")
        sub = group.add_subparsers(dest="action", required=True, metavar="ACTION")
        gen = sub.add_parser(
            "generate",
            help=f"write {what} from the SLO files",
            description=f"Write {what} under --out (default {default_out}/), generated from "
            "the SLO files and the settings; --check only reports stale files.",
        )
        gen.add_argument("--config", type=Path, help="synclens.yaml (every key has a default)")
        gen.add_argument("--slo-dir", type=Path, help="folder of SLO files (default: slis.slo_dir)")
        gen.add_argument("--out", type=Path, default=Path(default_out), help="output folder")
        gen.add_argument(
            "--check", action="store_true", help="write nothing; exit 1 if a file is stale"
        )
        if name == "alerts":
            add_silences_parser(sub)
            gen.add_argument(
                "--prometheus-retention",
                metavar="DURATION",
                help="Prometheus's --storage.tsdb.retention.time (e.g. 15d, its default): "
                "warn about SLO windows longer than it",
            )


def rule_options(settings: Settings) -> RuleOptions:
    """The settings that go into generated rules and dashboards."""
    from metrics.generate.options import RuleOptions

    objectives = {
        r.event_type: r.latency_objective_s for r in settings.routes if r.source_system is None
    }
    return RuleOptions(
        runbook_url=settings.alerts.runbook_url,
        grafana_url=settings.alerts.grafana_url,
        synclens_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        job=settings.alerts.job,
        latency_objectives=objectives,
        reconciliation_interval_s=settings.reconciliation.interval_s,
    )


def generated_files(command: str, settings: Settings, slo_dir: Path | str | None) -> dict[str, str]:
    """What ``synclens alerts|grafana generate`` writes: relative path -> text."""
    from metrics.generate import files, grafana
    from metrics.slo import load_slos
    from metrics.slo.maintenance import load_maintenance

    opts = rule_options(settings)
    if command == "alerts":
        return files.alert_files(load_slos(slo_dir), opts, load_maintenance(slo_dir))
    return grafana.generate(opts)


def _generate(args: argparse.Namespace) -> int:
    from metrics.generate.files import stale_files, write_files

    settings = load_settings(args.config)
    slo_dir = args.slo_dir or settings.slis.slo_dir
    files = generated_files(args.command, settings, slo_dir)
    if getattr(args, "prometheus_retention", None):
        from metrics.generate.retention import retention_warnings
        from metrics.slo import load_slos

        try:
            warnings = retention_warnings(load_slos(slo_dir), args.prometheus_retention)
        except ValueError as exc:
            print(f"--prometheus-retention: {exc}", file=sys.stderr)
            return 2
        for line in warnings:
            print(line, file=sys.stderr)
    if args.check:
        stale = stale_files(files, args.out)
        for rel in stale:
            print(f"stale: {args.out / rel}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_files(files, args.out):
        print(path)
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    settings = _base_settings(args)
    if getattr(args, "alertmanager", None):
        am = settings.alertmanager.model_copy(update={"url": args.alertmanager})
        settings = settings.model_copy(update={"alertmanager": am})
    if getattr(args, "grpc_port", None) is not None:
        try:
            grpc = type(settings.grpc).model_validate(
                {**settings.grpc.model_dump(), "port": args.grpc_port}
            )
        except ValueError as exc:
            raise ConfigError(f"invalid --grpc-port: {exc}") from exc
        settings = settings.model_copy(update={"grpc": grpc})
    return settings


def _hash_password(args: argparse.Namespace) -> int:
    from collector.identity.passwords import hash_password

    if args.stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("synclens users hash: the passwords differ", file=sys.stderr)
            return 1
    if not password:
        print("synclens users hash: empty password", file=sys.stderr)
        return 1
    try:
        print(hash_password(password, args.scheme))
    except ValueError as exc:
        print(f"synclens users hash: {exc}", file=sys.stderr)
        return 1
    return 0


def _base_settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        args.config,
        host=args.host,
        port=args.port,
        db=args.db,
        ops_db=args.ops_db,
        log_level=args.log_level,
        allow_unauthenticated_public_bind=args.allow_unauthenticated_public_bind,
    )


def _run_service(args: argparse.Namespace) -> int:
    """``serve`` or ``demo``; a store that cannot be opened is one line, exit 2."""
    from synclens.startup import StartupError

    settings = _settings(args)
    try:
        if args.command == "demo":
            from synclens.demo import run_demo

            return run_demo(args, settings)
        from synclens.server import configure_logging, serve

        configure_logging(settings.log_level)
        serve(settings)
    except StartupError as exc:
        print(f"synclens: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("serve", "demo"):
            return _run_service(args)
        if args.command == "reconcile":
            return _post_to_service(args, "/api/v1/reconciliations", 600)
        if args.command == "backup":
            body = {"to": str(args.to.resolve())}
            return _post_to_service(args, "/api/v1/admin/backup", 3600, body)
        if args.command == "restore":
            return _restore(args)
        if args.command == "alerts" and args.action == "silences":
            return run_silences(args)
        if args.command in ("alerts", "grafana"):
            return _generate(args)
        if args.command == "slo":
            return run_slo(args)
        if args.command == "users":
            return _hash_password(args)
        if args.command == "report":
            from synclens.report_cli import run as report

            return report(args)
        from simulator.cli import run

        return int(run(args))
    except (ConfigError, SloError) as exc:
        print(f"synclens: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
