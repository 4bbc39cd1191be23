"""The JSON Schema of the input model, committed under ``schemas/`` for editors and other tools."""

from __future__ import annotations

import json

from budgetgen.model.budget import BudgetInput

SCHEMA_ID = "https://budgetgen.invalid/schemas/budget-input.schema.json"


def input_schema() -> dict[str, object]:
    """The schema as data, with a title and an id."""
    schema = BudgetInput.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def input_schema_json() -> str:
    """The schema as the text committed in ``schemas/budget-input.schema.json``."""
    return json.dumps(input_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
