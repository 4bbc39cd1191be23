"""Assemble the whole package (cover facts, text, tables) as one ``Document``."""

from __future__ import annotations

from budgetgen.ledger.build import Ledger
from budgetgen.package.model import Document, Section
from budgetgen.package.tables import build_tables
from budgetgen.package.text import render_text
from budgetgen.package.words import organisation_name, package_kind


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
