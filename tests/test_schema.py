"""The committed JSON Schema is the one the input model exports (regenerate: budgetgen schema)."""

from __future__ import annotations

import json

from budgetgen.schema import input_schema_json

from .conftest import ROOT, run


def test_committed_schema_is_up_to_date() -> None:
    committed = (ROOT / "schemas" / "budget-input.schema.json").read_text(encoding="utf-8")
    assert committed == input_schema_json(), "run: budgetgen schema > schemas/budget-input.schema.json"


def test_schema_command_prints_the_schema() -> None:
    result = run("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "BudgetInput"
    assert "units" in schema["required"]
