"""`budgetgen summary` reproduces the published figures of reference 001 and adds up everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from budgetgen.ledger.build import Ledger
from budgetgen.summary import summary_data

from .conftest import DATA, DEMO, GUANGYUAN, run

REFERENCE = json.loads((DATA / "reference-001-figures.json").read_text(encoding="utf-8"))


def test_guangyuan_summary_json_reproduces_reference_001() -> None:
    result = run("summary", GUANGYUAN, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key, expected in REFERENCE.items():
        if not key.startswith("_"):
            assert data[key] == expected, key
    assert data["department"] == "342"


def test_summary_text_names_the_key_figures() -> None:
    result = run("summary", GUANGYUAN)
    assert result.exit_code == 0
    assert "收支总数 1,183.38 万元" in result.stdout
    assert "基本支出 1,090.44 万元" in result.stdout
    assert "2080109 社会保险经办机构 975.45 万元" in result.stdout
    assert "特定目标类项目 7 个 92.94 万元" in result.stdout


def test_python_dash_m_runs_the_same_command() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "budgetgen", "summary", str(GUANGYUAN), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["total"] == "1183.38"


def _d(value: str) -> Decimal:
    return Decimal(value)


@pytest.mark.parametrize("example", ["guangyuan", "demo"])
def test_displayed_parts_add_up_to_displayed_totals(example: str, request: pytest.FixtureRequest) -> None:
    ledger: Ledger = request.getfixturevalue(example)
    data = summary_data(ledger)
    total = _d(data["total"])
    assert _d(data["basic"]) + _d(data["project"]) == total
    assert _d(data["personnel"]) + _d(data["operating"]) == _d(data["basic"])
    assert sum(map(_d, data["by_function_class"].values())) == total
    for code, amount in data["by_function_class"].items():
        items = [_d(v) for k, v in data["by_function"].items() if k.startswith(code)]
        assert sum(items) == _d(amount), code
    assert sum(map(_d, data["income"].values())) == total
    three = data["three_public"]
    parts = ("overseas", "vehicles_purchase", "vehicles_running", "reception")
    assert sum(_d(three[k]) for k in parts) == _d(three["total"])


def test_demo_county_covers_every_fund_source_and_kind() -> None:
    data = json.loads(run("summary", DEMO, "--format", "json").stdout)
    assert data["units"] == ["801001", "801002", "801003"]
    income = data["income"]
    assert _d(income["government_fund"]) == Decimal("12.50")
    assert _d(income["state_capital"]) == Decimal("30.00")
    assert _d(income["service"]) == Decimal("8.00")
    assert _d(income["carried_over"]) == Decimal("5.00")
    # 医疗 goes to 2101101 for 行政/参公 and 2101102 for 事业; retirees to 2080501 / 2080502
    assert {"2101101", "2101102", "2080501", "2080502"} <= set(data["by_function"])
    assert data["performance"]["specific"]["count"] == 4
    assert _d(data["performance"]["specific"]["amount"]) == _d(data["project"])
