"""Every CSV the service writes goes through ``cases.csv_safe`` (formula injection, issue 15 item 3):
no other product module imports the ``csv`` module."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.test_layers import ROOT, _product_modules

HELPER = ROOT / "cases" / "csv_safe.py"


def _imports_csv(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import) and any(alias.name == "csv" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            return True
    return False


def test_only_the_helper_uses_the_csv_module() -> None:
    users = {path.relative_to(ROOT).as_posix() for path in _product_modules() if _imports_csv(path)}

    assert users == {"cases/csv_safe.py"}
    assert HELPER.exists()


def test_scripts_and_benchmarks_write_no_csv_either() -> None:
    others = [p for base in ("scripts", "bench") for p in (ROOT / base).rglob("*.py")]

    assert [p.relative_to(ROOT).as_posix() for p in others if _imports_csv(p)] == []
