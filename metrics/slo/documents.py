"""The YAML documents of an SLO folder: ``apiVersion: synclens/v1`` files
holding ``kind: SLO`` and ``kind: Maintenance`` documents (``---`` between
several), read once here and validated by each kind's own loader."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, field_validator

__all__ = [
    "KINDS",
    "LABEL_VALUE",
    "Named",
    "SloError",
    "Strict",
    "check_time_zone",
    "is_kind",
    "read_text",
    "yaml_documents",
    "yaml_files",
]

#: the kinds of document an SLO folder holds; anything else is validated as an SLO (and refused)
KINDS = ("SLO", "Maintenance")


#: a Prometheus label value synclens writes into rules: non-empty, no quote, backslash or newline
LABEL_VALUE = re.compile(r'^[^"\\\n]+$')
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


class Strict(BaseModel):
    """A document part: unknown keys are errors; YAML's camelCase names are aliases."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Named(Strict):
    """``metadata`` with a ``name``: lower-case letters, digits and '-' (a label value)."""

    name: str

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError(f"name {name!r} must be lower-case letters, digits and '-'")
        return name


class SloError(ValueError):
    """An SLO file is invalid; str() says which file and why."""


def check_time_zone(name: str) -> str:
    """An IANA time zone name (``UTC``, ``Europe/Berlin``); ValueError otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as Europe/Berlin)"
        ) from exc
    return name


def is_kind(raw: Any, kind: str) -> bool:
    """Whether a loaded document is of ``kind``; a document of no known kind
    counts as an SLO, so the SLO loader says what is wrong with it."""
    found = raw.get("kind") if isinstance(raw, dict) else None
    return found == kind or (kind == "SLO" and found not in KINDS)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SloError(f"cannot read SLO file {path}: {exc.strerror}") from exc


def yaml_documents(text: str, source: str) -> list[tuple[int, Any]]:
    """``(1-based index, document)`` of every non-empty document of a YAML text."""
    try:
        loaded = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise SloError(f"{source}: not valid YAML: {exc}") from exc
    return list(enumerate((d for d in loaded if d is not None), start=1))


def yaml_files(root: Path) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files of an SLO folder, by name."""
    if not root.is_dir():
        raise SloError(f"SLO directory {root} does not exist")
    return sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
