"""Write a budget as canonical YAML: the form kept in version control, amounts in 元.

Only what differs from the model's defaults is written, in the model's field order; amounts and
codes are plain scalars that the reader takes as text, so nothing is lost on the way back.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import yaml

from budgetgen.model.budget import BudgetInput


class _Dumper(yaml.SafeDumper):
    """Block style, Chinese as is, decimals as plain numbers."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".") if value != value.to_integral_value() else text.split(".")[0]
    return dumper.represent_scalar("tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int", text)


def _enum(dumper: yaml.SafeDumper, value: Enum) -> yaml.ScalarNode:
    return dumper.represent_str(str(value.value))


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_multi_representer(Enum, _enum)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def budget_yaml(budget: BudgetInput, source: str = "") -> str:
    """The budget as YAML text (amounts in 元), with a header naming where it came from."""
    data = budget.model_dump(mode="python", exclude_defaults=True)
    for unit, dumped in zip(budget.units, data.get("units", []), strict=False):
        # a stated fact equal to its default is still a statement (the text prints it as a claim)
        if "procurement" in unit.model_fields_set and not unit.procurement:
            dumped["procurement"] = []
        for count in ("vehicles", "large_equipment", "planned_vehicles", "planned_large_equipment"):
            if count in unit.assets.model_fields_set:
                dumped.setdefault("assets", {})[count] = getattr(unit.assets, count)
    data = {"format_version": budget.format_version, "budget_year": budget.budget_year, "amount_unit": "元", **data}
    header = "# budgetgen 预算输入（金额单位：元）" + (f"，由 {source} 导入" if source else "") + "\n"
    body = yaml.dump(_clean(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)
    return header + body
