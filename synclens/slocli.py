"""``synclens slo import|export`` (OpenSLO v1) and ``synclens alerts silences``
(Alertmanager silences for the maintenance windows)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

__all__ = ["add_silences_parser", "add_slo_parser", "run_silences", "run_slo"]


def add_slo_parser(commands: Any) -> None:
    slo = commands.add_parser("slo", help="move SLOs in and out of OpenSLO v1")
    sub = slo.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = sub.add_parser(
        "import",
        help="OpenSLO v1 SLO/SLI documents -> synclens SLO files",
        description="Read OpenSLO v1 SLO and SLI documents (ratio metrics over the synclens "
        "SLIs) and write one synclens SLO file per SLO under --out (or print them).",
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="OpenSLO YAML files")
    imp.add_argument("--out", type=Path, help="folder for <name>.yaml files (default: stdout)")
    exp = sub.add_parser(
        "export",
        help="synclens SLO files -> OpenSLO v1",
        description="Write every SLO of the SLO folder as an OpenSLO v1 SLI and SLO document.",
    )
    exp.add_argument("--config", type=Path, help="synclens.yaml (every key has a default)")
    exp.add_argument("--slo-dir", type=Path, help="folder of SLO files (default: slis.slo_dir)")
    exp.add_argument("--service", default="synclens", help="the OpenSLO service (default synclens)")
    exp.add_argument("--out", type=Path, help="file to write (default: stdout)")


def add_silences_parser(sub: Any) -> None:
    sil = sub.add_parser(
        "silences",
        help="Alertmanager silences for the maintenance windows",
        description="Print (or write) an Alertmanager silence for every occurrence of every "
        "maintenance window of the SLO folder in [--from, --from + --for): the JSON that "
        "'amtool silence import' reads.",
    )
    sil.add_argument("--config", type=Path, help="synclens.yaml (every key has a default)")
    sil.add_argument("--slo-dir", type=Path, help="folder of SLO files (default: slis.slo_dir)")
    sil.add_argument("--from", dest="start", help="ISO 8601 start (default: now)")
    sil.add_argument("--for", dest="span", default="7d", help="horizon (default 7d)")
    sil.add_argument("--out", type=Path, help="file to write (default: stdout)")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        print(out)


def _slo_dir(args: argparse.Namespace) -> Path | str | None:
    from synclens.settings import load_settings

    chosen: Path | None = args.slo_dir
    return chosen or load_settings(args.config).slis.slo_dir


def run_silences(args: argparse.Namespace) -> int:
    from metrics.generate.maintenance import silences
    from metrics.slo.maintenance import load_maintenance
    from metrics.slo.spec import duration_s

    try:
        start = datetime.fromisoformat(args.start) if args.start else datetime.now(UTC)
        if start.tzinfo is None:
            raise ValueError("--from needs a time zone (e.g. 2026-12-05T00:00:00Z)")
        span_s = duration_s(args.span)
    except ValueError as exc:
        print(f"synclens alerts silences: {exc}", file=sys.stderr)
        return 2
    from_ns = round(start.timestamp() * 1_000_000) * 1000
    found = silences(load_maintenance(_slo_dir(args)), from_ns, from_ns + span_s * 1_000_000_000)
    _emit(json.dumps(found, indent=2) + "\n", args.out)
    return 0


def run_slo(args: argparse.Namespace) -> int:
    from metrics.slo.documents import SloError, read_text, yaml_documents

    if args.action == "export":
        from metrics.slo import load_slos
        from metrics.slo.openslo import to_openslo

        docs = [d for slo in load_slos(_slo_dir(args)) for d in to_openslo(slo, args.service)]
        _emit(yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True), args.out)
        return 0
    from metrics.slo.openslo import from_openslo

    documents: list[tuple[str, Any]] = []
    for path in args.files:
        for i, doc in yaml_documents(read_text(path), path.name):
            documents.append((f"{path.name} (document {i})", doc))
    converted = from_openslo(documents)
    if not converted:
        raise SloError("no OpenSLO SLO document in the given files")
    if args.out is None:
        _emit(yaml.safe_dump_all(converted, sort_keys=False, allow_unicode=True), None)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for doc in converted:
        path = args.out / f"{doc['metadata']['name']}.yaml"
        path.write_text(
            "# Imported from OpenSLO by `synclens slo import`. See docs/slos.md.\n"
            + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True),
            encoding="utf-8",
        )
        print(path)
    return 0
