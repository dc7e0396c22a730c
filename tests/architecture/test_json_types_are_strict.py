"""Every API serializer takes JSON's types as the schema gives them (issue 18): text, booleans and
whole numbers through api.inputs' fields, never DRF's own, which turn 0 into "0" and "yes" into
true. A test in tests/api/test_inputs_are_strict.py shows what the fields refuse."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW = re.compile(r"serializers\.(CharField|BooleanField|IntegerField)\(")
# api.inputs subclasses them (class lines, not counted); api.reports checks a year's range on a
# number query_int has parsed; api.schema's page envelope is output only.
ALLOWED = {"reports.py": 1, "schema.py": 1}


def test_no_api_serializer_uses_drfs_coercing_fields() -> None:
    offenders = {}
    for path in sorted((ROOT / "api").rglob("*.py")):
        found = len(RAW.findall(path.read_text(encoding="utf-8")))
        if found > ALLOWED.get(path.name, 0):
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}
