"""Derivations of the ledger: pay, contributions, the 项 of personnel facts, “三公”, 机关运行经费."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from budgetgen.ledger.aggregates import compute_figures
from budgetgen.ledger.build import Ledger
from budgetgen.ledger.facts import ExpenditureKind, Fact, Origin
from budgetgen.model.types import StaffKind, UnitKind
from budgetgen.pipeline import load_ledger
from budgetgen.profiles import Derivation


def budget(tmp_path: Path, units: str, rules: str = "", amount_unit: str = "元") -> Ledger:
    header = f'budget_year: 2025\namount_unit: {amount_unit}\ndepartment: {{code: "801", name: 测试局}}\n'
    rule_text = "contribution_rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ") if rules else ""
    text = header + rule_text + "units:\n" + textwrap.indent(textwrap.dedent(units), "  ")
    path = tmp_path / "budget.yaml"
    path.write_text(text, encoding="utf-8")
    return load_ledger(path)


def unit(code: str, kind: str, body: str = "", main: str = "2080101") -> str:
    return f'- code: "{code}"\n  name: 单位{code}\n  kind: {kind}\n  main_function: "{main}"\n' + textwrap.indent(
        textwrap.dedent(body), "  "
    )


STAFF = """\
staff:
  - name: 在职
    kind: 在职
    headcount: 10
    pay:
      - {econ: "30101", per_head: 50000}
      - {econ: "30102", amount: 123456.78}
      - {econ: "30107", per_head: 1000}
  - name: 退休
    kind: 退休
    headcount: 3
    pay:
      - {econ: "30305", per_head: 2000}
"""

RULES = """\
- {econ: "30108", rate: 16%, base: ["30101", "30102"]}
- {econ: "30110", rate: "0.075", base: ["301"]}
- {econ: "30113", rate: 12%, base: ["30101"]}
"""


def facts(ledger: Ledger, econ: str, unit_code: str | None = None) -> list[Fact]:
    return [f for f in ledger.facts if f.econ == econ and (unit_code is None or f.unit == unit_code)]


def only(ledger: Ledger, econ: str, unit_code: str | None = None) -> Fact:
    found = facts(ledger, econ, unit_code)
    assert len(found) == 1, found
    return found[0]


def test_pay_per_head_times_headcount(tmp_path: Path) -> None:
    ledger = budget(tmp_path, unit("801001", "行政", STAFF))
    assert only(ledger, "30101").amount == Decimal("500000.00")
    assert only(ledger, "30101").origin is Origin.DERIVED
    assert only(ledger, "30102").amount == Decimal("123456.78")
    assert only(ledger, "30102").origin is Origin.STATED


def test_contribution_is_rate_times_base_rounded_to_the_cent(tmp_path: Path) -> None:
    ledger = budget(tmp_path, unit("801001", "行政", STAFF), RULES)
    # 16% of (500000 + 123456.78) = 99753.0848 -> 99753.08
    assert only(ledger, "30108").amount == Decimal("99753.08")
    # base "301" takes every 301 pay item: 500000 + 123456.78 + 10000; 7.5% = 47509.2585 -> 47509.26
    assert only(ledger, "30110").amount == Decimal("47509.26")
    assert only(ledger, "30113").amount == Decimal("60000.00")
    assert only(ledger, "30108").origin is Origin.DERIVED


def test_stated_amount_and_unit_rule_override_the_department_rule(tmp_path: Path) -> None:
    body = (
        STAFF
        + 'contribution_rules:\n  - {econ: "30108", amount: 1234.5}\n  - {econ: "30113", rate: 5%, base: ["30101"]}\n'
    )
    ledger = budget(tmp_path, unit("801001", "行政", body), RULES)
    assert only(ledger, "30108").amount == Decimal("1234.50")
    assert only(ledger, "30108").origin is Origin.STATED
    assert only(ledger, "30113").amount == Decimal("25000.00")


@pytest.mark.parametrize(
    ("kind", "medical", "retired"),
    [("行政", "2101101", "2080501"), ("参公", "2101101", "2080501"), ("事业", "2101102", "2080502")],
)
def test_function_of_personnel_facts_by_unit_kind(tmp_path: Path, kind: str, medical: str, retired: str) -> None:
    ledger = budget(tmp_path, unit("801001", kind, STAFF), RULES)
    assert only(ledger, "30110").function == medical
    assert only(ledger, "30305").function == retired
    assert only(ledger, "30108").function == "2080505"
    assert only(ledger, "30113").function == "2210201"
    assert only(ledger, "30101").function == "2080101"  # the unit's main 项
    assert only(ledger, "30110").function_derived


def test_stated_function_wins_over_the_rule(tmp_path: Path) -> None:
    body = STAFF.replace('{econ: "30305", per_head: 2000}', '{econ: "30305", per_head: 2000, function: "2080101"}')
    body += 'contribution_rules:\n  - {econ: "30110", rate: 1%, base: ["301"], function: "2080101"}\n'
    ledger = budget(tmp_path, unit("801001", "事业", body), RULES)
    assert only(ledger, "30305").function == "2080101"
    assert not only(ledger, "30305").function_derived
    assert only(ledger, "30110").function == "2080101"


def test_derivation_table_covers_pension_annuity_and_medical_subsidy() -> None:
    rules = Derivation(
        by_econ={"30109": "2080506", "30111": "2101103", "30110": {UnitKind.PUBLIC_INSTITUTION: "2101102"}},
        retired={UnitKind.ADMINISTRATIVE: "2080501"},
    )
    assert rules.function_for("30109", UnitKind.ADMINISTRATIVE, StaffKind.EMPLOYED) == "2080506"
    assert rules.function_for("3011101", UnitKind.ADMINISTRATIVE, None) == "2101103"
    assert rules.function_for("30110", UnitKind.ADMINISTRATIVE, None) is None
    assert rules.function_for("30302", UnitKind.ADMINISTRATIVE, StaffKind.RETIRED) == "2080501"
    assert rules.function_for("30302", UnitKind.ADMINISTRATIVE, StaffKind.EMPLOYED) is None


THREE_PUBLIC = """\
operating_items:
  - {econ: "30201", amount: 10000}
  - {econ: "30212", amount: 20000}
  - {econ: "30217", amount: 3000}
  - {econ: "30231", amount: 4000}
  - {econ: "30231", amount: 9000, source: 事业收入}
projects:
  - code: T1
    name: 购车
    category: 特定目标类
    lines:
      - {econ: "31013", amount: 150000}
"""


def test_three_public_from_economic_codes_fiscal_money_only(tmp_path: Path) -> None:
    figures = compute_figures(budget(tmp_path, unit("801001", "行政", THREE_PUBLIC)))
    assert figures.amount(("three_public", "overseas")) == Decimal(20000)
    assert figures.amount(("three_public", "reception")) == Decimal(3000)
    assert figures.amount(("three_public", "vehicles_running")) == Decimal(4000)
    assert figures.amount(("three_public", "vehicles_purchase")) == Decimal(150000)
    assert figures.amount(("three_public", "total")) == Decimal(177000)


def test_running_cost_counts_administrative_and_civil_service_units_only(tmp_path: Path) -> None:
    units = (
        unit("801001", "行政", 'operating_items:\n  - {econ: "30201", amount: 1000}\n')
        + unit("801002", "参公", 'operating_items:\n  - {econ: "30201", amount: 200}\n')
        + unit("801003", "事业", 'operating_items:\n  - {econ: "30201", amount: 30}\n', main="2080150")
    )
    figures = compute_figures(budget(tmp_path, units))
    assert figures.amount("running_cost") == Decimal(1200)
    assert figures.amount("operating") == Decimal(1230)


def test_government_economic_class_by_unit_kind(tmp_path: Path) -> None:
    units = unit("801001", "行政", STAFF) + unit("801002", "事业", STAFF, main="2080150")
    ledger = budget(tmp_path, units)
    assert only(ledger, "30101", "801001").government_econ == "50101"
    assert only(ledger, "30101", "801002").government_econ == "50501"


def test_amounts_in_wan_become_yuan(tmp_path: Path) -> None:
    body = 'operating_items:\n  - {econ: "30201", amount: 12.345678}\n'
    ledger = budget(tmp_path, unit("801001", "行政", body), amount_unit="万元")
    assert only(ledger, "30201").amount == Decimal("123456.78")
    assert ledger.budget.amount_unit.value == "元"


def test_project_category_decides_basic_or_project_expenditure(tmp_path: Path) -> None:
    body = """\
    operating_items:
      - {econ: "30201", amount: 100, project: R1}
    projects:
      - {code: R1, name: 运转, category: 运转类}
      - code: T1
        name: 专项
        category: 特定目标类
        function: "2080199"
        lines:
          - {econ: "30201", amount: 50}
          - {econ: "30305", amount: 7, function: "2080101"}
    """
    ledger = budget(tmp_path, unit("801001", "行政", body))
    kinds = {(f.project, f.econ): (f.kind, f.function) for f in ledger.facts}
    assert kinds[("R1", "30201")] == (ExpenditureKind.OPERATING, "2080101")
    assert kinds[("T1", "30201")] == (ExpenditureKind.PROJECT, "2080199")
    assert kinds[("T1", "30305")] == (ExpenditureKind.PROJECT, "2080101")


def test_contribution_belongs_to_the_project_of_its_base(tmp_path: Path) -> None:
    body = STAFF.replace("  - name: 在职\n", "  - name: 在职\n    project: P1\n") + (
        "projects:\n  - {code: P1, name: 工资, category: 人员类}\n"
    )
    ledger = budget(tmp_path, unit("801001", "行政", body), RULES)
    assert only(ledger, "30108").project == "P1"
    figures = compute_figures(ledger)
    assert figures.performance_counts
    assert figures.amount(("performance", "人员类")) == figures.amount("personnel") - Decimal(6000)
