"""`budgetgen diff`: one changed amount shows as that field and every figure it moves, nothing else."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .conftest import GUANGYUAN, run

OLD = '{econ: "30201", amount: 437000, project: R01}'
NEW = '{econ: "30201", amount: 447000, project: R01}'


def changed_copy(tmp_path: Path) -> Path:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    assert text.count(OLD) == 1
    (tmp_path / "budget.yaml").write_text(text.replace(OLD, NEW), encoding="utf-8")
    return tmp_path


def amount(text: str | None) -> Decimal:
    return Decimal((text or "0").replace(",", ""))


def test_one_changed_amount_and_everything_it_moves(tmp_path: Path) -> None:
    result = run("diff", GUANGYUAN, changed_copy(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input"] == [{"key": "units[0].operating_items[0].amount", "before": "437000.00", "after": "447000.00"}]
    summary = {c["key"]: (c["before"], c["after"]) for c in data["summary"]}
    assert summary == {
        "total": ("1183.38", "1184.38"),
        "basic": ("1090.44", "1091.44"),
        "operating": ("166.67", "167.67"),
        "income.general_public_budget": ("1183.38", "1184.38"),
        "by_function.2080109": ("975.45", "976.45"),
        "by_function_class.208": ("1072.87", "1073.87"),
        "running_cost": ("166.67", "167.67"),
        "performance.operating.amount": ("166.67", "167.67"),
    }
    # every table cell that changed moved by exactly the changed 1.00 万元, and 30201 is among them
    assert data["table"]
    for change in data["table"]:
        assert amount(change["after"]) - amount(change["before"]) == Decimal("1.00"), change
    keys = [c["key"] for c in data["table"]]
    assert any(k.startswith("附表7 | 302 01 30201 办公费 | ") for k in keys)
    assert not any("社会保障缴费" in k or "住房公积金" in k for k in keys)
    # sentences that state a moved figure changed; the others did not
    texts = data["text"]
    assert any("1,184.38" in c["after"] for c in texts)
    assert any("167.67" in c["after"] for c in texts)
    assert not any("职能简介" in c["key"] for c in texts)


def test_the_same_input_has_no_difference() -> None:
    result = run("diff", GUANGYUAN, GUANGYUAN)
    assert result.exit_code == 0
    assert result.stdout.strip() == "两份预算没有差异。"


def test_text_format_groups_by_family(tmp_path: Path) -> None:
    result = run("diff", GUANGYUAN, changed_copy(tmp_path))
    assert "## 输入（1 处）" in result.stdout
    assert "total: 1183.38 → 1184.38" in result.stdout
