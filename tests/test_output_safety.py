"""What the user wrote reaches the outputs as text: never a formula in a workbook, never past the page edge.

The worked example with formula-like names (a unit name starting with ``=``, a department ``+1``…)
is rendered in every profile and read back with openpyxl; the input template is read back too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from openpyxl import load_workbook

from budgetgen.io import template as template_module
from budgetgen.profiles import available_profiles

from .conftest import GUANGYUAN, run
from .test_input_errors import variant, write

UNIT = '=HYPERLINK("http://example.invalid","点击")'
DEPARTMENT = "+1+1"
PROJECT = "@SUM(1,2)"
GROUP = "-1"


def formula_input(tmp_path: Path) -> Path:
    """The worked example with names that a spreadsheet would take for formulas."""
    text = GUANGYUAN.joinpath("budget.yaml").read_text(encoding="utf-8")
    replacements = {
        "  name: 广元市人力资源和社会保障局\n": f"  name: '{DEPARTMENT}'\n",
        "    name: 广元市社会保险事务中心\n": f"    name: '{UNIT}'\n",
        "      - name: 在职人员\n": f"      - name: '{GROUP}'\n",
        "        name: 社会保险信息网络建设维护费\n": f"        name: '{PROJECT}'\n",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "budget.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def text_cells(path: Path) -> list[tuple[str, str, str, object]]:
    """(sheet, cell, data type, value) of every cell that holds text or a formula."""
    book = load_workbook(path)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) or cell.data_type == "f":
                    found.append((sheet.title, cell.coordinate, cell.data_type, cell.value))
    return found


@pytest.mark.parametrize("profile", available_profiles())
def test_names_that_look_like_formulas_stay_text_in_every_profile(profile: str, tmp_path: Path) -> None:
    source = formula_input(tmp_path)
    result = run("render", source, "-o", tmp_path / "out", "--xlsx", "--draft", "--profile", profile)
    assert result.exit_code == 0, result.stderr
    (workbook,) = (tmp_path / "out").glob("*.xlsx")
    cells = text_cells(workbook)
    formulas = [cell for cell in cells if cell[2] != "s"]
    assert not formulas, formulas[:5]
    book = load_workbook(workbook)
    title = book["目录"]["A1"]
    assert title.data_type == "s"
    assert isinstance(title.value, str)
    assert title.value.startswith((UNIT, DEPARTMENT)), title.value
    values = {cell[3] for cell in cells}
    written = "\n".join(str(v) for v in values)
    assert UNIT in written  # unchanged, not stripped of its "="
    assert PROJECT in written


def test_the_input_template_writes_names_as_text(tmp_path: Path) -> None:
    source = formula_input(tmp_path)
    target = tmp_path / "filled.xlsx"
    with mock.patch.object(template_module, "INPUT_ROWS", 1):  # data rows only: fast to read back
        result = run("template", target, "--from", source)
    assert result.exit_code == 0, result.stderr
    cells = text_cells(target)
    formulas = [cell for cell in cells if cell[2] != "s"]
    assert not formulas, formulas[:5]
    by_value = {cell[3]: cell for cell in cells}
    for name in (UNIT, DEPARTMENT, PROJECT, GROUP):
        assert name in by_value, name
        assert by_value[name][2] == "s"
    again = run("import", target)
    assert again.exit_code == 0, again.stderr
    assert UNIT.replace('"', "") in again.stdout.replace('"', "").replace("'", "")


# --- long Latin and digit runs wrap inside their cell ---------------------------------------------------------

URL = "https://example.invalid/" + "abcdefghij" * 14
DIGITS = "1234567890" * 15
WORD = re.compile(r'<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<')


def long_runs_input(tmp_path: Path) -> Path:
    """A one-unit budget whose project name, purpose and texts hold a URL and a 150-digit run."""
    text = variant(
        "        name: 信息化建设\n", f"        name: 信息化建设{URL[:150]}\n        purpose: 用于{DIGITS}\n"
    )
    functions = f"负责{URL}的建设，编号{DIGITS}。"  # every profile prints the 职能
    texts = f"    texts:\n      functions: {functions}\n      key_work: 编号{DIGITS}。\n    staff:\n"
    return write(tmp_path, variant("    staff:\n", texts, text))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
@pytest.mark.parametrize("profile", available_profiles())
def test_long_unbroken_runs_stay_inside_the_page(profile: str, tmp_path: Path) -> None:
    source = long_runs_input(tmp_path)
    result = run("render", source, "-o", tmp_path / "out", "--pdf", "--draft", "--profile", profile)
    assert result.exit_code == 0, result.stderr
    (pdf,) = (tmp_path / "out").glob("*.pdf")
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = 0.0
    seen = ""
    outside = []
    for match in WORD.finditer(boxes):
        if match.group(1):
            width = float(match.group(1))
            continue
        seen += match.group(4)
        if float(match.group(3)) > width - 20:  # every profile keeps a margin of more than 20 pt
            outside.append((match.group(4)[:30], match.group(3), width))
    assert "abcdefghij" in seen  # the runs are in the PDF …
    assert "1234567890" in seen
    assert not outside, outside[:5]  # … and none of their pieces reaches the page edge
