"""Every bench script's imports from the other bench modules name something they define.

A bench is run by hand, never by the suite, so a helper renamed in one bench used to leave another failing only
when someone next ran it (bench/national.py imported ``bench.triage_queue._time`` for two sessions after it moved
to ``bench.common.time_get``). Checked from the source, without importing the scripts: they set environment
defaults for their own runs at import.
"""

import ast
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _defined(module: str) -> set[str]:
    tree = ast.parse((BENCH / f"{module.removeprefix('bench.')}.py").read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def _bench_imports():
    for path in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):  # function bodies too: most benches import late
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bench."):
                for alias in node.names:
                    yield pytest.param(node.module, alias.name, id=f"{path.name}: {node.module}.{alias.name}")


@pytest.mark.parametrize(("module", "name"), list(_bench_imports()))
def test_a_bench_imports_only_what_the_other_bench_defines(module, name):
    assert name in _defined(module), f"{module} defines no {name}"
