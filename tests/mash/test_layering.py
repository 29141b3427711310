"""The layers contract in pyproject.toml (import-linter) holds on the real tree and catches a lower
app importing a higher one (docs/architecture.md: mash <- thresholds <- deadlines <- contacts <-
navigators, earlyhelp <- triage <- reporting)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache", "--no-logo"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_tree(destination: Path) -> Path:
    """The application packages and pyproject.toml, without tests, virtualenv or assets."""
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, destination / package, ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_every_app_is_a_layer_of_the_contract():
    layers = CONFIG["contracts"][0]["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    assert named == set(CONFIG["root_packages"])
    installed_local_apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert installed_local_apps <= named


@pytest.mark.slow
def test_the_real_tree_keeps_the_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "source", "imported"),
    [
        # The core reaching up to the engine (what mash/models.py's star-import used to do).
        ("mash/violation.py", "from deadlines.models import Clock  # noqa\n", "deadlines.models"),
        # The engine calling a feature app, even lazily inside a function.
        ("deadlines/violation.py", "def f():\n    from contacts import services  # noqa\n", "contacts.services"),
        # A feature app reading the dashboards.
        ("triage/violation.py", "import reporting.selectors  # noqa\n", "reporting.selectors"),
    ],
)
def test_a_lower_app_importing_a_higher_one_breaks_the_contract(tmp_path, module, source, imported):
    tree = copy_of_the_tree(tmp_path)
    assert lint_imports(tree).returncode == 0  # the copy itself is clean

    (tree / module).write_text(source)
    result = lint_imports(tree)

    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert imported in result.stdout
