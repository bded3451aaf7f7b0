"""The tree keeps the shape docs/architecture.md describes: no import cycle,
small modules, no private name imported across modules, tests apart from bench/."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("collector", "metrics", "dashboards", "simulator", "synclens")
MAX_LINES = 450


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(path: Path) -> Iterator[ast.ImportFrom | ast.Import]:
    """Every import that runs, in functions too (a deferred import hides a
    cycle, it does not end it); not those under ``if TYPE_CHECKING:``."""

    def walk(nodes: list[ast.stmt]) -> Iterator[ast.ImportFrom | ast.Import]:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield node
            elif isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                yield from walk(node.orelse)
            else:
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, ast.stmt):
                        yield from walk([child])

    yield from walk(ast.parse(path.read_text(encoding="utf-8")).body)


def _targets(node: ast.ImportFrom | ast.Import, known: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found = {a.name for a in node.names}
    elif node.module and node.level == 0:
        found = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found & known


def test_no_import_cycle() -> None:
    modules = dict(_modules())
    graph = {
        name: set().union(*(_targets(n, set(modules)) for n in _imports(path))) - {name}
        for name, path in modules.items()
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_no_module_grows_past_the_limit() -> None:
    big = {
        str(path.relative_to(ROOT)): n
        for _, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert big == {}, f"split these modules (over {MAX_LINES} lines): {big}"


def test_no_private_name_is_imported_across_modules() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
        for _, path in _modules()
        for node in _imports(path)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.split(".")[0] in PACKAGES
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__version__"
    ]
    assert offenders == []


def test_tests_do_not_import_bench() -> None:
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "bench":
                offenders.append(str(path.relative_to(ROOT)))
            if isinstance(node, ast.Import) and any(
                a.name.split(".")[0] == "bench" for a in node.names
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
