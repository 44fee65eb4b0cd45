"""The shipped code never imports the embedded AWS or the admin command line, and the
embedded AWS reads the project only through its files (never by importing the core)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("layers/core/lattice_ingress", "functions", "nginx")
TOOLING = ("embedded_aws", "lattice_ingress_cli")


def imported_modules(directory: Path) -> dict[str, set[str]]:
    """file (relative to the repository) -> the top-level packages it imports."""
    found: dict[str, set[str]] = {}
    for source in directory.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(source.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize("directory", SHIPPED)
def test_shipped_code_never_imports_the_tooling(directory: str) -> None:
    # Given every module that Lambda or the proxy task runs
    modules = imported_modules(ROOT / directory)
    assert modules, f"no Python files under {directory}"
    # Then none imports the embedded AWS or the command line
    offenders = {path: names & set(TOOLING) for path, names in modules.items()}
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_embedded_aws_reads_the_project_only_through_its_files() -> None:
    modules = imported_modules(ROOT / "embedded_aws")
    offenders = {path: names for path, names in modules.items() if "lattice_ingress" in names}
    assert offenders == {}


def test_the_layer_ships_the_core_package_whole() -> None:
    # The layer build copies the package directory as it is: nothing is left out by hand.
    makefile = (ROOT / "layers/core/Makefile").read_text(encoding="utf-8")
    copy_lines = [line for line in makefile.splitlines() if "$(PACKAGE)" in line]
    assert copy_lines, "the layer build no longer copies the package"
    excluded = [line for line in copy_lines if "--exclude" in line]
    assert all("__pycache__" in line or ".pyc" in line for line in excluded), excluded
    assert not (ROOT / "layers/core/lattice_ingress/local").exists()
