"""The run object: each stage made once and shared, the options applied, the order kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from budgetgen.checks import context as check_context
from budgetgen.diagnostics import InputError
from budgetgen.run import RefusedError, Run

from .conftest import GUANGYUAN

GY_INCOME = "{source: 一般公共预算, sub_source: 当年拨款, amount: %s}"


def edited(tmp_path: Path, old: str, new: str, name: str = "budget.yaml") -> Path:
    text = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_run_builds_the_document_once_for_the_checks_and_the_renderers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = []
    original = check_context.build_document
    monkeypatch.setattr(check_context, "build_document", lambda *a: built.append(a) or original(*a))
    run = Run.load(GUANGYUAN)
    assert Counter(f.code for f in run.findings) == Counter({"BG-C123": 3})  # the example's own baseline
    assert run.findings is run.findings
    outputs = run.outputs(tmp_path, {"xlsx", "html"})
    assert sorted(p.suffix for p in outputs) == [".html", ".xlsx"]
    assert len(built) == 1  # the checks' document is the one rendered
    assert run.document is run.context.document
    html = next(data for path, data in outputs.items() if path.suffix == ".html").decode("utf-8")
    assert run.document.parts[0].title in html


def test_select_and_ignore_narrow_the_findings() -> None:
    assert Run.load(GUANGYUAN, ignore=("BG-C123",)).findings == []
    assert [f.code for f in Run.load(GUANGYUAN, select=("BG-C123",)).findings] == ["BG-C123"] * 3


def test_an_input_with_errors_is_refused_unless_a_draft(tmp_path: Path) -> None:
    path = edited(tmp_path, GY_INCOME % "11833800", GY_INCOME % "11833900")
    with pytest.raises(RefusedError) as refused:
        Run.load(path).outputs(tmp_path / "final", {"xlsx"})
    assert {f.code for f in refused.value.findings} == {"BG-C101", "BG-C102"}
    written = Run.load(path, draft=True).write(tmp_path / "draft", {"html"})
    assert [p.suffix for p in written] == [".html"]
    assert "BG-C101" in written[0].read_text(encoding="utf-8")  # a draft lists its findings


def test_the_profile_is_checked_before_the_input_is_read(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        Run.load(tmp_path / "missing.yaml", "no-such-profile")
    assert "no-such-profile" in str(error.value.diagnostics[0])


def test_a_catalog_file_is_used_for_this_run_only(tmp_path: Path) -> None:
    item = '      - {econ: "30211", amount: 120000, project: R01}\n'
    path = edited(tmp_path, item, item.replace("R01}", 'R01, function: "2080180"}'))
    with pytest.raises(InputError):
        Run.load(path)
    local = tmp_path / "local.csv"
    local.write_text("2080180,社保经办数字化\n", encoding="utf-8")
    run = Run.load(path, catalog_file=local, ignore=("BG-C123",))
    assert "2080180" in run.loaded.catalog.local
    with pytest.raises(InputError):
        Run.load(path)  # the option did not stay behind
