"""The package's layout: every module listed by layer, imports pointing down, no cycles, a light command line."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import zorgzones

PACKAGE = Path(zorgzones.__file__).parent


def _imports(path: Path) -> set[str]:
    """Package modules a module imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("zorgzones")):
            module = (node.module or "").removeprefix("zorgzones").lstrip(".")
            if module:
                found.add(module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found & set(zorgzones.MODULES)


def test_every_module_is_listed_by_layer():
    on_disk = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert on_disk == set(zorgzones.MODULES)
    for name in zorgzones.MODULES:
        first = (PACKAGE / f"{name}.py").read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith('"""') and len(first) <= 90, name  # one short sentence says the module's job


def test_no_import_cycles():
    graph = {name: _imports(PACKAGE / f"{name}.py") - {name} for name in zorgzones.MODULES}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            assert state.get(dep) != 1, f"import cycle: {' -> '.join(path + [node, dep])}"
            if dep not in state:
                visit(dep, path + [node])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [])


def test_the_command_line_parser_loads_no_analysis_code():
    code = ("import sys; from zorgzones.cli_parser import build_parser; build_parser(); "
            "print(sorted(m for m in ('pandas', 'geopandas', 'numpy', 'zorgzones.bundle') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
