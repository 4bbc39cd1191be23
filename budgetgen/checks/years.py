"""Year rules: the catalog a budget year uses, and texts carried from last year that nobody has reviewed yet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Path, Severity
from budgetgen.model.budget import Unit

REVIEW_MARK = "【待复核】"  # put before every text ``new-year`` carries; deleting it confirms the text


@rule(
    "BG-C180",
    Severity.WARNING,
    "预算年度使用较早年度的科目表",
    "no catalog of the budget year: the newest earlier one is used",
)
def catalog_of_an_earlier_year(ctx: CheckContext) -> Iterator[Finding]:
    """Said once, at 预算年度: codes are checked against an earlier year's names until the year has its catalog."""
    year, used = ctx.ledger.budget.budget_year, ctx.ledger.catalog.year
    if used != year:
        yield Finding(
            f"预算年度 {year} 年使用 {used} 年科目表（尚无 {year} 年科目表）",
            ("budget_year",),
            (f"{used} 年以后新增或改名的科目不会被识别；本地科目可写在 catalog.csv 中",),
        )


def unit_texts(unit: Unit, path: Path) -> Iterator[tuple[Path, str]]:
    """Every text a unit writes itself, with its field path: texts, performance texts, project texts."""

    def fields(obj: Any, where: Path) -> Iterator[tuple[Path, str]]:
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if isinstance(value, str):
                yield (*where, name), value
            elif isinstance(value, dict):
                for key, text in value.items():
                    yield (*where, name, key), text
            elif hasattr(type(value), "model_fields"):
                yield from fields(value, (*where, name))

    yield from fields(unit.texts, (*path, "texts"))
    if unit.performance is not None:
        performance = unit.performance
        yield from fields(performance.main_tasks, (*path, "performance", "main_tasks"))
        for name in ("overall_target", "other_notes"):
            value = getattr(performance, name)
            if value is not None:
                yield (*path, "performance", name), value
    for p, project in enumerate(unit.projects):
        where = (*path, "projects", p)
        for name in ("annual_goal", "purpose"):
            value = getattr(project, name)
            if value is not None:
                yield (*where, name), value
        for g, goal in enumerate(project.goals):
            yield (*where, "goals", g), goal


@rule(
    "BG-C181",
    Severity.ERROR,
    "沿用上年的文字待复核",
    "a text carried from last year by new-year still starts with 【待复核】",
)
def carried_text_reviewed(ctx: CheckContext) -> Iterator[Finding]:
    """``new-year`` keeps last year's texts with a 【待复核】 mark; each is reported until the mark is deleted."""
    for u, unit in enumerate(ctx.ledger.budget.units):
        for path, text in unit_texts(unit, ("units", u)):
            if text.startswith(REVIEW_MARK):
                yield Finding(
                    f"这段文字沿用上年，尚未复核：“{text[len(REVIEW_MARK) :][:30]}…”",
                    path,
                    ("核对或改写后删去开头的【待复核】",),
                )
