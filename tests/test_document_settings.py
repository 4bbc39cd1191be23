"""The page's wording is data: profile.yaml ``document`` settings become the Document's cover, 目录 and headings."""

from __future__ import annotations

import subprocess
from dataclasses import replace

from budgetgen.ledger.build import Ledger
from budgetgen.package.document import assemble, build_document, fill
from budgetgen.profiles import DocumentSettings
from budgetgen.render.html import render_html
from budgetgen.render.typst import render_typst_pdf


def test_sichuan_wording_comes_from_its_profile(guangyuan: Ledger) -> None:
    document = build_document(guangyuan, "sichuan-2025")
    assert document.cover == ("广元市社会保险事务中心", "2025 年单位预算")
    assert document.tables_heading == "第四部分 广元市社会保险事务中心 2025 年单位预算表"
    assert document.tables_anchor == "part-4"
    assert document.toc_title == "目　录"
    tables = [e for e in document.toc if e.target.startswith("table-")]
    assert [e.title.split("、")[0] for e in tables][:3] == ["一", "二", "三"]
    assert len(tables) == 13
    assert document.appendix[0].bookmark == f"附表1 {document.appendix[0].title}"
    html = render_html(document, "sichuan-2025")
    assert f'<h1 id="part-4" class="tables-title">{document.tables_heading}</h1>' in html


def test_other_settings_change_the_document_not_the_renderer(guangyuan: Ledger) -> None:
    base = build_document(guangyuan, "sichuan-2025")
    settings = DocumentSettings(
        cover=["{organisation}", "{year}年度"], toc=False, tables_heading="附件：{title}", table_bookmark="{title}"
    )
    facts = {"organisation": base.organisation, "year": "2025", "title": base.title, "subtitle": base.subtitle}
    document = assemble(replace(base, tables=()), base.tables, settings, "Noto Serif CJK SC", facts)
    assert document.cover == (base.organisation, "2025年度")
    assert document.toc == ()
    assert document.toc_title == ""
    assert document.tables_heading == f"附件：{base.title}"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=render_typst_pdf(document), capture_output=True, check=True
    ).stdout.decode()
    text = "".join(text.split())  # Typst spaces CJK from Latin
    assert "2025年度" in text
    assert f"附件：{base.title}" in text
    assert "第四部分" not in text
    assert "目录" not in text


def test_patterns_fill_only_named_placeholders() -> None:
    facts = {"title": "T"}
    assert fill("{title}/{title.__class__}/{0}/{unknown}", facts) == "T/{title.__class__}/{0}/{unknown}"
