"""Budget years: catalogs built from change files, the fallback to an earlier catalog, local codes, hints, new-year."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
import yaml

from budgetgen.catalogs import available_years, catalog_year, load_catalog
from budgetgen.catalogs.build import BASE_DIR, CHANGES_DIR, change_years, data_rows, read_changes
from budgetgen.catalogs.history import moves_between
from tests.conftest import GUANGYUAN, run

YEARS = list(range(2019, 2028))


def with_year(tmp_path: Path, year: int, replacements: tuple[tuple[str, str], ...] = ()) -> Path:
    """The worked example as a budget of another year (in a folder of its own)."""
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8").replace("budget_year: 2025", f"budget_year: {year}")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / f"unit-{year}"
    folder.mkdir(exist_ok=True)
    (folder / "budget.yaml").write_text(text, encoding="utf-8")
    return folder


# --- the catalogs of every year ------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_every_year_builds_with_parents_and_names(year: int) -> None:
    catalog = load_catalog(year)
    assert catalog.year == min(year, max(available_years()))
    for table in (catalog.functions, catalog.econ, catalog.government):
        assert list(table) == sorted(table)
        for code, entry in table.items():
            assert entry.name.strip(), code
            if len(code) > 3:
                assert code[: 3 if len(code) == 5 else len(code) - 2] in table, code
    assert set(catalog.econ_mapping) <= set(catalog.econ)


@pytest.mark.parametrize("path", [*sorted(BASE_DIR.glob("*.csv")), *sorted(CHANGES_DIR.glob("*.csv"))], ids=str)
def test_data_files_have_no_duplicate_lines_and_say_their_source(path: Path) -> None:
    rows = data_rows(path)
    key = "departmental" if path.name == "econ_mapping.csv" else "code"
    keys = [(r.get("table", ""), r[key]) for _, r in rows]
    assert len(keys) == len(set(keys))
    assert path.read_text(encoding="utf-8").startswith("#"), "every file says where it comes from"
    if path.parent == CHANGES_DIR:
        assert all(change.note for change in read_changes(int(path.stem)))


def test_each_year_has_that_years_names() -> None:
    assert load_catalog(2019).function_name("207") == "文化旅游体育与传媒支出"
    assert load_catalog(2019).function_name("210") == "卫生健康支出"
    assert load_catalog(2020).function_name("20805") == "行政事业单位离退休"
    assert load_catalog(2021).function_name("20805") == "行政事业单位养老支出"
    assert load_catalog(2020).econ_name("30110") == "城镇职工基本医疗保险缴费"
    assert load_catalog(2025).econ_name("30110") == "职工基本医疗保险缴费"
    assert load_catalog(2022).function_name("2296013") == "用于城乡医疗救助的彩票公益金支出"
    assert "2089901" in load_catalog(2020).functions and "2089901" not in load_catalog(2021).functions


def test_reserve_and_transfer_classes_are_codes_listed_as_their_year_prints_them() -> None:
    classes_2020 = [e.code for e in load_catalog(2020).function_classes()]
    assert {"227", "230"} <= set(classes_2020) and "234" not in classes_2020
    classes_2025 = [e.code for e in load_catalog(2025).function_classes()]
    assert not {"227", "230"} & set(classes_2025) and "234" in classes_2025
    assert load_catalog(2025).function_name("227") == "预备费"


def test_a_year_without_its_own_catalog_uses_the_newest_earlier_one() -> None:
    assert catalog_year(2027) == catalog_year(2031) == max(change_years())
    assert catalog_year(2018) is None
    with pytest.raises(KeyError):
        load_catalog(2018)


def test_renumbered_codes_are_known_between_years() -> None:
    moves = moves_between(2020, 2025)
    assert moves["2089901"][0] == "2089999"
    assert moves_between(2021, 2025) == {}


# --- BG-C180 and the made-up 2022 and 2027 units ------------------------------------------------------------------


@pytest.mark.parametrize("year", [2027, 2031])
def test_later_year_passes_check_with_one_warning_naming_the_catalog(tmp_path: Path, year: int) -> None:
    result = run("check", with_year(tmp_path, year))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "BG-C180" in line]
    assert len(lines) == 1
    assert f"budget.yaml:6:14: 警告 BG-C180 预算年度 {year} 年使用 2025 年科目表" in lines[0]


def test_own_catalog_year_has_no_warning(tmp_path: Path) -> None:
    result = run("check", with_year(tmp_path, 2022))
    assert result.exit_code == 0, result.output
    assert "BG-C180" not in result.stdout


@pytest.mark.parametrize("year", [2022, 2027])
def test_made_up_unit_renders_end_to_end(tmp_path: Path, year: int) -> None:
    result = run("render", with_year(tmp_path, year), "-o", tmp_path / "out", "--xlsx")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out" / f"342601-{year}-预算公开.xlsx", read_only=True)
    text = "\n".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert f"{year}" in text and "1,183.38" in text or "1183.38" in text
    assert "社会保障和就业支出" in text


# --- template --year -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2019, 2022, 2026, 2027])
def test_template_for_every_year(tmp_path: Path, year: int) -> None:
    out = tmp_path / "t.xlsx"
    result = run("template", "--year", year, out)
    assert result.exit_code == 0, result.output
    assert ("BG-C180" in result.stderr) == (year > max(available_years()))
    book = openpyxl.load_workbook(out)
    general = book.worksheets[1]
    values = {row[0]: row[1] for row in general.iter_rows(min_row=2, values_only=True)}
    assert values["预算年度"] == year


def test_template_before_the_first_catalog_is_a_located_error(tmp_path: Path) -> None:
    result = run("template", "--year", 2018, tmp_path / "t.xlsx")
    assert result.exit_code == 2
    assert "--year: 错误 BG-E025 没有 2018 年的科目表（最早为 2019 年）" in result.stderr
    assert not (tmp_path / "t.xlsx").exists()
