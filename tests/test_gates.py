"""Gates and edges: a mistyped rule code cannot switch a check off, and ``diff`` lists only real changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budgetgen.checks.registry import RULES, UnknownRuleCode, nearest_codes, resolve_codes

from .conftest import DEMO, run

UNIT_NAME = "示范县人力资源和社会保障局（本级）"


def demo_copy(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """The demo county with one edit, in a folder of its own."""
    text = (DEMO / "budget.yaml").read_text(encoding="utf-8")
    assert text.count(old) == count, old
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / "budget.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return folder


@pytest.fixture
def unbalanced(tmp_path: Path) -> Path:
    """The demo county with the first unit's income 10 万元 short of its spending (BG-C101)."""
    return demo_copy(tmp_path, "amount: 568.110272}", "amount: 558.110272}")


@pytest.mark.parametrize("given", ["bg-c101", "BG-C101", " Bg-C101 ", "bg-c101,BG-C102"])
def test_select_matches_codes_case_insensitively(unbalanced: Path, given: str) -> None:
    result = run("check", unbalanced, "--select", given, "--format", "json")
    assert result.exit_code == 1, result.output
    assert "BG-C101" in {f["code"] for f in json.loads(result.stdout)["findings"]}


@pytest.mark.parametrize(
    ("option", "given", "nearest"),
    [("--select", "BG-C1O1", "BG-C101"), ("--select", "BGC101", "BG-C101"), ("--ignore", "bg-c11O", "BG-C110")],
)
def test_unknown_code_is_a_usage_error_naming_the_nearest(
    unbalanced: Path, option: str, given: str, nearest: str
) -> None:
    result = run("check", unbalanced, option, given)
    assert result.exit_code == 2
    assert "没有发现问题" not in result.output
    assert f"“{given}”" in result.stderr
    assert nearest in result.stderr.split("最接近的有：")[1]
    assert option in result.stderr


def test_unknown_code_among_known_ones_is_refused(unbalanced: Path) -> None:
    result = run("check", unbalanced, "--select", "BG-C101", "--select", "BG-C999")
    assert result.exit_code == 2
    assert "BG-C999" in result.stderr


def test_resolve_codes_for_other_callers() -> None:
    assert resolve_codes(["bg-c101", "BG-C102, bg-c101"]) == ("BG-C101", "BG-C102")
    assert resolve_codes([]) == ()
    with pytest.raises(UnknownRuleCode) as raised:
        resolve_codes(["BG-C1O1"])
    assert raised.value.code == "BG-C1O1"
    assert raised.value.nearest[0] == "BG-C101"
    assert "BG-C1O1" in raised.value.message()
    assert "BG-C101" in raised.value.message()
    assert all(code in RULES for code in nearest_codes("BG-C12"))
    assert nearest_codes("nothing like a code") == ()


def test_rename_lists_no_empty_to_empty_changes(tmp_path: Path) -> None:
    renamed = demo_copy(tmp_path, f"name: {UNIT_NAME}", "name: 示范县人社局（本级）")
    result = run("diff", DEMO, renamed, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input"] == [{"key": "units[0].name", "before": UNIT_NAME, "after": "示范县人社局（本级）"}]
    assert data["table"]  # the renamed unit's rows: each old cell removed, each new cell added
    for change in data["table"]:
        assert (change["before"] is None) != (change["after"] is None), change
        assert (UNIT_NAME in change["key"]) == (change["after"] is None), change
    text = run("diff", DEMO, renamed).stdout
    assert "（空） → （空）" not in text

