"""Assemble the whole package (cover facts, text, tables) as one ``Document``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from budgetgen.ledger.build import Ledger
from budgetgen.package.model import Document, Look, Section, Table, TocEntry
from budgetgen.package.tables import build_tables
from budgetgen.package.text import render_text
from budgetgen.package.words import chinese_number, organisation_name, package_kind
from budgetgen.profiles import DocumentSettings, load_profile

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def output_stem(ledger: Ledger) -> str:
    """``<单位代码>-<年度>-预算公开``: the unit's code for one unit, else the department's."""
    units = ledger.budget.units
    code = units[0].code if len(units) == 1 else ledger.budget.department.code
    return f"{code}-{ledger.budget.budget_year}-预算公开"


def build_document(ledger: Ledger, profile: str, parts: tuple[Section, ...] | None = None) -> Document:
    """The package of a budget under a profile (``parts``: the text, when the caller has it already)."""
    name = organisation_name(ledger)
    year = ledger.budget.budget_year
    subtitle = f"{year} 年{package_kind(ledger)}"
    settings = load_profile(profile)
    facts = {"organisation": name, "year": str(year), "title": name, "subtitle": subtitle}
    text = parts if parts is not None else render_text(ledger, profile)
    return assemble(
        Document(title=name, subtitle=subtitle, year=year, organisation=name, parts=text),
        build_tables(ledger, profile),
        settings.document,
        settings.pdf_font,
        facts,
    )


def fill(pattern: str, facts: Mapping[str, str]) -> str:
    """A profile's wording pattern with its ``{name}`` placeholders filled (no other formatting: data, not code)."""
    return _PLACEHOLDER.sub(lambda m: facts.get(m.group(1), m.group(0)), pattern)


def _ordinal(number: int) -> str:
    """一、二、… up to 九十九; the plain number beyond (forms are numbered past 100)."""
    return chinese_number(number) if 0 < number < 100 else str(number)


def _table_facts(table: Table) -> dict[str, str]:
    return {
        "label": table.label,
        "ordinal": _ordinal(table.number),
        "title": table.title,
        "toc_title": table.toc_title,
    }


def assemble(
    document: Document, tables: tuple[Table, ...], settings: DocumentSettings, font: str, facts: Mapping[str, str]
) -> Document:
    """The document with its tables and the profile's page settings as data (cover, 目录, headings, look)."""
    tables = tuple(replace(t, bookmark=fill(settings.table_bookmark, _table_facts(t)).strip()) for t in tables)
    toc: list[TocEntry] = []
    if settings.toc:
        for part in document.parts:
            toc.append(TocEntry(part.title, 1, part.anchor))
            if settings.toc_depth > 1:
                toc.extend(TocEntry(c.title, 2, c.anchor) for c in part.children if c.anchor)
        heading = fill(settings.tables_heading, facts)
        if heading:
            toc.append(TocEntry(heading, 1, settings.tables_anchor))
        toc.extend(
            TocEntry(fill(settings.toc_table, _table_facts(t)), 2, f"table-{t.number}")
            for t in tables
            if t.key == settings.toc_key
        )
    return replace(
        document,
        tables=tables,
        cover=tuple(fill(line, facts) for line in settings.cover),
        toc_title=settings.toc_title if settings.toc else "",
        toc=tuple(toc),
        tables_heading=fill(settings.tables_heading, facts),
        tables_anchor=settings.tables_anchor if settings.tables_heading else "",
        tables_first=settings.tables_first,
        title_anchor=settings.title_anchor,
        look=Look(
            font,
            settings.font_size,
            settings.margins,
            settings.wide_margins,
            settings.table_size,
            settings.dense_size,
            settings.h1_size,
            settings.part_breaks,
            settings.head_fill,
            settings.h1_center,
            settings.h1_lines,
            settings.toc_pages,
        ),
    )
