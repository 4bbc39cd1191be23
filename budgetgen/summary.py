"""The key figures of a budget as JSON or as a short Chinese text, for people and for scripts."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from budgetgen.ledger.aggregates import CARRIED_OVER, Figures, compute_figures
from budgetgen.ledger.build import Ledger
from budgetgen.model.types import FundSource, ProjectCategory
from budgetgen.money import format_wan, round_wan

# JSON name of each income source; the first six always appear, the others only when present.
INCOME_KEYS: dict[str, FundSource | str] = {
    "general_public_budget": FundSource.GENERAL_PUBLIC_BUDGET,
    "government_fund": FundSource.GOVERNMENT_FUND,
    "state_capital": FundSource.STATE_CAPITAL,
    "service": FundSource.SERVICE,
    "operating": FundSource.OPERATING,
    "other": FundSource.OTHER,
    "carried_over": CARRIED_OVER,
}
OPTIONAL_INCOME_KEYS: dict[str, FundSource] = {
    "special_account": FundSource.SPECIAL_ACCOUNT,
    "superior_grant": FundSource.SUPERIOR_GRANT,
    "subsidiary_remittance": FundSource.SUBSIDIARY_REMITTANCE,
    "institution_fund": FundSource.INSTITUTION_FUND,
}
PERFORMANCE_KEYS: dict[str, ProjectCategory] = {
    "personnel": ProjectCategory.PERSONNEL,
    "operating": ProjectCategory.RUNNING,
    "specific": ProjectCategory.SPECIFIC,
}
THREE_PUBLIC_KEYS = ("total", "overseas", "vehicles_purchase", "vehicles_running", "reception")


def _wan(value: Decimal) -> str:
    return f"{value:.2f}"


def _income_key(source: FundSource | str) -> tuple[str, str]:
    return ("income", source.value if isinstance(source, FundSource) else source)


def summary_data(ledger: Ledger, figures: Figures | None = None) -> dict[str, Any]:
    """The summary as plain data: amounts are strings of 万元 with two decimals."""
    f = figures or compute_figures(ledger)
    budget = ledger.budget
    income = {key: _wan(f.show(_income_key(source))) for key, source in INCOME_KEYS.items()}
    for key, source in OPTIONAL_INCOME_KEYS.items():
        if f.amount(_income_key(source)):
            income[key] = _wan(f.show(_income_key(source)))
    performance: dict[str, dict[str, Any]] = {
        key: {"count": f.performance_counts[category], "amount": _wan(f.show(("performance", category.value)))}
        for key, category in PERFORMANCE_KEYS.items()
    }
    if f.performance_counts[ProjectCategory.OTHER_RUNNING]:
        category = ProjectCategory.OTHER_RUNNING
        performance["other_running"] = {
            "count": f.performance_counts[category],
            "amount": _wan(f.show(("performance", category.value))),
        }
    by_function = {code: _wan(f.show(("function", code))) for code in f.keys("function")}
    by_class = {code: _wan(f.show(("class", code))) for code in f.keys("class")}
    return {
        "year": budget.budget_year,
        "department": budget.department.code,
        "department_name": budget.department.name,
        "units": [u.code for u in budget.units],
        "total": _wan(f.show("total")),
        "basic": _wan(f.show("basic")),
        "project": _wan(f.show("project")),
        "personnel": _wan(f.show("personnel")),
        "operating": _wan(f.show("operating")),
        "income": income,
        "by_function": by_function,
        "by_function_class": by_class,
        "three_public": {key: _wan(f.show(("three_public", key))) for key in THREE_PUBLIC_KEYS},
        "running_cost": _wan(f.show("running_cost")),
        "performance": performance,
        "last_year_total": None if f.last_year_total is None else _wan(round_wan(f.last_year_total)),
    }


def summary_json(ledger: Ledger) -> str:
    """The summary as indented JSON (keys in a fixed order, Chinese kept as is)."""
    return json.dumps(summary_data(ledger), ensure_ascii=False, indent=2)


def summary_text(ledger: Ledger) -> str:
    """The summary as a few lines of Chinese for a terminal."""
    data = summary_data(ledger)
    catalog = ledger.catalog

    def w(value: str | None) -> str:
        return "—" if value is None else format_wan(Decimal(value)) + " 万元"

    lines = [
        f"{data['year']} 年 {data['department_name']}（{data['department']}），单位：{'、'.join(data['units'])}",
        f"收支总数 {w(data['total'])}：基本支出 {w(data['basic'])}（人员经费 {w(data['personnel'])}，"
        f"公用经费 {w(data['operating'])}），项目支出 {w(data['project'])}",
        f"上年收支总数 {w(data['last_year_total'])}",
        "按功能分类：",
    ]
    for code, amount in data["by_function_class"].items():
        lines.append(f"  {code} {catalog.function_name(code)} {w(amount)}")
        for item, value in data["by_function"].items():
            if item.startswith(code):
                lines.append(f"    {item} {catalog.function_name(item)} {w(value)}")
    three = data["three_public"]
    lines += [
        f"“三公”经费 {w(three['total'])}：因公出国（境）费 {w(three['overseas'])}，公务用车购置费 "
        f"{w(three['vehicles_purchase'])}，公务用车运行维护费 {w(three['vehicles_running'])}，"
        f"公务接待费 {w(three['reception'])}",
        f"{ledger.settings.running_cost.name} {w(data['running_cost'])}",
        "绩效目标："
        + "；".join(
            f"{category.value}项目 {data['performance'][key]['count']} 个 {w(data['performance'][key]['amount'])}"
            for key, category in PERFORMANCE_KEYS.items()
        ),
    ]
    return "\n".join(lines)
