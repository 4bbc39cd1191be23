"""Assemble the whole package (cover facts, text, tables) as one ``Document``."""

from __future__ import annotations

from budgetgen.ledger.build import Ledger
from budgetgen.package.model import Document, Section
from budgetgen.package.tables import build_tables, organisation_name
from budgetgen.package.text import render_text


def package_kind(ledger: Ledger) -> str:
    """As the input states it (``department.package_kind``); else 单位预算 for one unit, 部门预算 for several."""
    stated = ledger.budget.department.package_kind
    if stated is not None:
        return stated.value
    return "单位预算" if len(ledger.budget.units) == 1 else "部门预算"


def output_stem(ledger: Ledger) -> str:
    """``<单位代码>-<年度>-预算公开``: the unit's code for one unit, else the department's."""
    units = ledger.budget.units
    code = units[0].code if len(units) == 1 else ledger.budget.department.code
    return f"{code}-{ledger.budget.budget_year}-预算公开"


def build_document(ledger: Ledger, profile: str, parts: tuple[Section, ...] | None = None) -> Document:
    """The package of a budget under a profile (``parts``: the text, when the caller has it already)."""
    name = organisation_name(ledger)
    year = ledger.budget.budget_year
    return Document(
        title=name,
        subtitle=f"{year} 年{package_kind(ledger)}",
        year=year,
        organisation=name,
        parts=parts if parts is not None else render_text(ledger, profile),
        tables=build_tables(ledger, profile),
    )
