"""The apps depend one way (docs/decisions/0012-layers-and-content-selectors.md): a module imports only from the layers
below its own. The graph is import-linter's (grimp), built from the code as it is; the contract
is the one in pyproject.toml that ``lint-imports`` and pre-commit run."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
# A layer of siblings is written "api | web": neither imports the other.
LAYERS = [
    grimp.Layer(*(name.strip() for name in layer.split("|")), independent=True)
    for layer in CONFIG["contracts"][0]["layers"]
]
PACKAGES: list[str] = [name for layer in LAYERS for name in layer.module_tails]
PRODUCT = [ROOT / name for name in PACKAGES]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


def _illegal(graph: grimp.ImportGraph) -> set[grimp.PackageDependency]:
    return graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers=set())


def test_no_app_imports_from_a_layer_above_its_own(graph: grimp.ImportGraph) -> None:
    found = {f"{d.importer} -> {d.imported}: {[r.chains for r in d.routes]}" for d in _illegal(graph)}
    assert found == set()


def test_an_upward_import_is_caught() -> None:
    # The check is not vacuous: the case core reaching up into consent is found.
    graph = grimp.build_graph(*PACKAGES)
    graph.add_import(importer="cases.models", imported="consent.models")
    graph.add_import(importer="web.views.home", imported="api.common")  # siblings, too
    assert {(d.importer, d.imported) for d in _illegal(graph)} == {("cases", "consent"), ("web", "api")}


def _product_modules() -> list[Path]:
    return [p for base in PRODUCT for p in base.rglob("*.py") if "migrations" not in p.parts]


def test_no_function_local_imports_outside_app_ready() -> None:
    """An import inside a function hides a dependency from the graph above. Only
    ``AppConfig.ready`` may import there (Django loads models before it runs; decision 0012)."""
    found = []
    for path in _product_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "ready":
                found += [
                    f"{path.relative_to(ROOT)}:{sub.lineno} in {node.name}"
                    for sub in ast.walk(node)
                    if isinstance(sub, ast.Import | ast.ImportFrom)
                ]
    assert found == []


def test_no_module_imports_another_modules_private_names() -> None:
    found = []
    for path in _product_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {private} from {node.module}")
    assert found == []


def test_every_product_module_is_under_the_house_limit() -> None:
    # STYLE.md: split a module when it passes ~500 lines.
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _product_modules()
        if (lines := len(path.read_text().splitlines())) > 500
    }
    assert too_long == {}
