"""Chunked PDF layout (large packages): the joined PDF reads like the one-pass PDF."""

from __future__ import annotations

import re
import subprocess
from functools import partial
from pathlib import Path

import pytest
from pypdf import PdfReader

from budgetgen.package.document import build_document
from budgetgen.pipeline import load_ledger
from budgetgen.render import pdf as renderer
from budgetgen.render.html import render_html

from .conftest import GUANGYUAN

PROFILE = "sichuan-2025"


@pytest.fixture(scope="module")
def chunked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked example forced through the chunked path, with tables cut into small slices."""
    document = build_document(load_ledger(GUANGYUAN), PROFILE)
    html_for = partial(render_html, document, PROFILE, None)
    saved = renderer.SINGLE_PASS_ROWS, renderer.MAX_CHUNK_ROWS
    renderer.SINGLE_PASS_ROWS, renderer.MAX_CHUNK_ROWS = 0, 60
    try:
        groups = renderer.table_groups(document, 2, 60)
        assert len(groups) > 4  # really cut, including inside long tables
        assert any(start > 0 for group in groups for _n, _p, start, _e in group)
        first = renderer.render_pdf_package(document, PROFILE, html_for, workers=2)
        again = renderer.render_pdf_package(document, PROFILE, html_for, workers=1)
    finally:
        renderer.SINGLE_PASS_ROWS, renderer.MAX_CHUNK_ROWS = saved
    assert first == again, "chunked output depends on the number of workers"
    path = tmp_path_factory.mktemp("chunks") / "package.pdf"
    path.write_bytes(first)
    return path


def page_text(path: Path, number: int) -> str:
    text = subprocess.run(
        ["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"\s+", "", text)


def test_every_page_but_the_cover_has_its_number(chunked: Path) -> None:
    pages = len(PdfReader(chunked).pages)
    assert "第1页" not in page_text(chunked, 1)
    for number in range(2, pages + 1):
        assert f"第{number}页" in page_text(chunked, number), number


def test_the_contents_point_at_the_tables(chunked: Path) -> None:
    contents = page_text(chunked, 2)
    for title in ("部门收支总表", "财政拨款支出预算表（部门经济分类科目）", "部门预算项目支出绩效目标表"):
        found = re.search(re.escape(title) + r"[.…·]*(\d+)", contents)
        assert found, title
        assert title in page_text(chunked, int(found.group(1)))


def test_bookmarks_hold_the_parts_and_every_table(chunked: Path) -> None:
    outline = PdfReader(chunked).outline
    titles = [item.title for item in outline if not isinstance(item, list)]
    assert any(t.startswith("第四部分") for t in titles)
    nested = [item for item in outline if isinstance(item, list)][-1]
    labels = [item.title for item in nested if not isinstance(item, list)]
    assert [label.split()[0] for label in labels] == [f"附表{n}" for n in range(1, 14)]


def test_a_table_cut_across_chunks_keeps_all_its_rows(chunked: Path) -> None:
    text = "".join(page_text(chunked, n) for n in range(1, len(PdfReader(chunked).pages) + 1))
    for name in ("乡村振兴经费", "社会保险委托稽核和基金管理专项经费", "3029903食堂补助经费", "人民群众满意度指标"):
        assert name in text
