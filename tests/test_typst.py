"""The Typst PDF engine (``render --engine typst``) and ``render --verify``, read back with pdftotext and pypdf.

The Typst PDF must print the same 万元 figures as the WeasyPrint PDF, carry the same bookmarks, A4 pages in
the tables' orientations, a 目录 whose numbers point at the right pages, the draft marks, the same bytes
for the same input, and show hostile text literally. ``--verify`` must pass on good output and catch a
corrupted one. (``BUDGETGEN_TEST_ENGINE=typst pytest tests/test_pdf.py`` runs the PDF tests against Typst.)
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import subprocess
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from budgetgen.package.document import build_document
from budgetgen.package.model import (
    Column,
    ColumnKind,
    Document,
    Paragraph,
    Row,
    RowRole,
    Section,
    Table,
    TablePart,
    TocEntry,
    header_grid,
)
from budgetgen.pipeline import load_ledger
from budgetgen.render.pdf import RenderWarning
from budgetgen.render.typst import render_typst_pdf
from budgetgen.render.verify import check_pdf

from .conftest import EXAMPLES, GUANGYUAN, run

WANYUAN = EXAMPLES / "wanyuan-2023"
LAIYUAN = EXAMPLES / "laiyuan-2020"
QINGLANHU = EXAMPLES / "qinglanhu-2022"
FIGURE = re.compile(r"(?<![\d.,])-?\d[\d,]*\.\d{2}(?![\d])")
A4 = (Decimal("595.28"), Decimal("841.89"))
HOSTILE = '#import "x": *]$x$ *b* _i_ @ref <lbl> \\ #read("/etc/passwd") [/] `raw` ~ = - + / // /* {{ 7*7 }}'


def pdftotext(pdf: Path | bytes, *args: str) -> str:
    data = pdf if isinstance(pdf, bytes) else pdf.read_bytes()
    return subprocess.run(
        ["pdftotext", "-q", *args, "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def figures(pdf: Path) -> Counter[str]:
    return Counter(FIGURE.findall(pdftotext(pdf)))


def render(source: Path, out: Path, *flags: str) -> Path:
    result = run("render", source, "-o", out, "--pdf", *flags)
    assert result.exit_code == 0, result.output
    (pdf,) = out.glob("*.pdf")
    return pdf


def outline(items: list[Any], reader: PdfReader, depth: int = 0) -> list[tuple[int, str, int]]:
    """(depth, title, 0-based page) of every bookmark, in order."""
    found: list[tuple[int, str, int]] = []
    for item in items:
        if isinstance(item, list):
            found.extend(outline(item, reader, depth + 1))
        else:
            found.append((depth, squeeze(str(item.title)), reader.get_destination_page_number(item)))
    return found


@pytest.fixture(scope="module")
def guangyuan_typst(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(GUANGYUAN, tmp_path_factory.mktemp("typst-gy"), "--engine", "typst", "--xlsx", "--verify")


@pytest.fixture(scope="module")
def guangyuan_weasy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(GUANGYUAN, tmp_path_factory.mktemp("weasy-gy"))


@pytest.fixture(scope="module")
def wanyuan_typst(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("typst-wy")
    return render(WANYUAN, out, "--engine", "typst", "--xlsx", "--verify", "--profile", "sichuan-performance-2023")


@pytest.fixture(scope="module")
def wanyuan_weasy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(WANYUAN, tmp_path_factory.mktemp("weasy-wy"), "--profile", "sichuan-performance-2023")


@pytest.fixture(scope="module")
def guangyuan_document() -> Document:
    return build_document(load_ledger(GUANGYUAN), "sichuan-2025")


# --- the same figures, bookmarks and pages as the WeasyPrint PDF ------------------------------------------


@pytest.mark.parametrize("example", ["guangyuan", "wanyuan"])
def test_typst_prints_the_figures_of_the_weasyprint_pdf(example: str, request: pytest.FixtureRequest) -> None:
    typst = figures(request.getfixturevalue(f"{example}_typst"))
    weasy = figures(request.getfixturevalue(f"{example}_weasy"))
    assert sum(weasy.values()) > 30
    assert typst == weasy, (typst - weasy, weasy - typst)


def test_bookmarks_are_those_of_the_weasyprint_pdf(guangyuan_typst: Path, guangyuan_weasy: Path) -> None:
    typst_reader, weasy_reader = PdfReader(guangyuan_typst), PdfReader(guangyuan_weasy)
    typst = [(depth, title) for depth, title, _page in outline(typst_reader.outline, typst_reader)]
    weasy = [(depth, title) for depth, title, _page in outline(weasy_reader.outline, weasy_reader)]
    assert typst == weasy
    tables = [title for depth, title in typst if title.startswith("附表")]
    assert len(tables) == 13
    assert all(depth == 1 for depth, title in typst if title.startswith("附表"))  # under 第四部分


def test_tables_are_on_landscape_pages_and_the_text_a4_portrait(
    guangyuan_typst: Path, guangyuan_document: Document
) -> None:
    reader = PdfReader(guangyuan_typst)
    sizes = [(Decimal(str(p.mediabox.width)).quantize(Decimal("0.01")),
              Decimal(str(p.mediabox.height)).quantize(Decimal("0.01"))) for p in reader.pages]  # fmt: skip
    pages = {title: page for _depth, title, page in outline(reader.outline, reader)}
    first_table = min(pages[squeeze(t.bookmark)] for t in guangyuan_document.appendix)
    assert all(size == A4 for size in sizes[:first_table])
    for table in guangyuan_document.appendix:
        width, height = sizes[pages[squeeze(table.bookmark)]]
        assert (width > height) == table.landscape, table.bookmark
        assert sorted((width, height)) == sorted(A4)


def test_toc_page_numbers_point_at_their_pages(guangyuan_typst: Path, guangyuan_document: Document) -> None:
    pages = pdftotext(guangyuan_typst).split("\f")
    toc = next(page for page in pages if "目录" in squeeze(page))
    entries = re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, re.MULTILINE)
    assert len(entries) == len(guangyuan_document.toc) > 13
    for (title, number), entry in zip(entries, guangyuan_document.toc, strict=True):
        assert squeeze(title) == squeeze(entry.title)
        heading = squeeze(entry.title.split("、", 1)[-1])
        assert heading in squeeze(pages[int(number) - 1]), (entry.title, number)


def test_same_input_gives_the_same_bytes(guangyuan_typst: Path, tmp_path: Path) -> None:
    again = render(GUANGYUAN, tmp_path, "--engine", "typst")
    assert again.read_bytes() == guangyuan_typst.read_bytes()
    info = PdfReader(again).metadata
    assert info is not None
    assert info.creation_date is not None
    assert info.creation_date.year == 2000


def test_pdf_is_tagged_with_embedded_cjk_fonts(guangyuan_typst: Path) -> None:
    root = PdfReader(guangyuan_typst).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    listing = subprocess.run(["pdffonts", str(guangyuan_typst)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert fonts, listing
    assert all("NotoSerifCJK" in f[0] and f[-5] == "yes" and f[-4] == "yes" for f in fonts), listing


def test_poppler_reads_the_pdf_without_a_complaint(guangyuan_typst: Path) -> None:
    """Typst's ``/Suspects false`` made every poppler tool print a syntax error; the file must read clean."""
    for tool in (["pdftotext", str(guangyuan_typst), "-"], ["pdfinfo", str(guangyuan_typst)]):
        result = subprocess.run(tool, capture_output=True, text=True, check=True)
        assert result.stderr == "", (tool[0], result.stderr)
    assert PdfReader(guangyuan_typst, strict=True).trailer["/Root"]["/MarkInfo"] == {"/Marked": True}


def test_every_profile_renders_and_verifies(tmp_path: Path, wanyuan_typst: Path) -> None:
    hebei = render(LAIYUAN, tmp_path, "--engine", "typst", "--xlsx", "--verify", "--profile", "hebei-2020")
    for pdf in (hebei, wanyuan_typst):
        assert len(PdfReader(pdf).pages) >= 5
    assert "部门预算信息公开" in squeeze(pdftotext(hebei))


def test_henan_prints_its_own_cover_contents_and_appendix_heading(tmp_path: Path) -> None:
    """The Henan page is profile data too: its cover line, a 目录 without page numbers, 附件 before the tables."""
    pdf = render(QINGLANHU, tmp_path, "--engine", "typst", "--verify", "--profile", "henan-2022")
    pages = pdftotext(pdf).split("\f")
    organisation = "河南省青岚湖水文水质监测中心"
    assert squeeze(pages[0]) == f"2022年{organisation}部门预算说明"  # the cover: its one line, no page number
    contents = pages[1]
    assert squeeze(contents).startswith("目录")
    assert "...." not in contents
    assert not re.search(r"\d+\s*$", contents.split("第")[0], re.MULTILINE)
    entries = [squeeze(line) for line in contents.splitlines() if line.strip()]
    assert f"附件：2022年{organisation}部门预算表" in entries
    assert entries.index("一、部门收支预算表") > entries.index(f"附件：2022年{organisation}部门预算表")
    assert "十三、部门预算项目绩效目标表" in entries
    part = next(page for page in pages if "第一部分" in page and "目录" not in squeeze(page))
    first, second = [line.strip() for line in part.splitlines() if line.strip()][:2]
    assert (first, second) == ("第一部分", f"{organisation}概况")  # a part's heading on two lines
    heading = next(i for i, page in enumerate(pages) if squeeze(page).startswith("附件："))
    assert "部门收支预算表" in squeeze(pages[heading + 1])
    reader = PdfReader(pdf)
    titles = [title for _depth, title, _page in outline(reader.outline, reader)]
    assert f"第一部分{organisation}概况" in titles
    assert f"附件：2022年{organisation}部门预算表" in titles


# --- draft, glyphs, hostile text -------------------------------------------------------------------------


def test_draft_marks_every_page_with_the_input_hash(tmp_path: Path) -> None:
    pdf = render(GUANGYUAN, tmp_path, "--engine", "typst", "--draft")
    digest = hashlib.sha256((GUANGYUAN / "budget.yaml").read_bytes()).hexdigest()[:12]
    pages = [p for p in pdftotext(pdf).split("\f") if p.strip()]
    assert len(pages) > 20
    for number, page in enumerate(pages, 1):
        assert "草稿" in page, f"page {number}"
        assert digest in squeeze(page), f"page {number}"


def small_document(text: str) -> Document:
    """A one-table document whose every string is ``text`` (plus a figure)."""
    columns = (Column(("名称", text), ColumnKind.TEXT, 20), Column(("金额",), ColumnKind.AMOUNT, 10))
    header, depth = header_grid([c.path for c in columns])
    part = TablePart(columns, header, depth, (Row(RowRole.ITEM, (text, Decimal("12.34"))),))
    table = Table(1, text, text, text, text, text, (part,), text, bookmark=text)
    section = Section(text, 1, (Paragraph(text),), anchor="part-1")
    return Document(text, text, 2025, text, (section,), (table,), cover=(text,), toc_title=text,
                    toc=(TocEntry(text, 1, "part-1"), TocEntry(text, 2, "table-1")))  # fmt: skip


def test_hostile_text_is_shown_literally() -> None:
    pdf = render_typst_pdf(small_document(HOSTILE))
    text = squeeze(pdftotext(pdf))
    assert text.count(squeeze(HOSTILE)) >= 7  # cover, 目录 (2), heading, paragraph, table title, cell ...
    assert "root:" not in text  # #read never ran
    reader = PdfReader(io.BytesIO(pdf))
    assert next(squeeze(str(item.title)) for item in reader.outline if not isinstance(item, list)) == squeeze(HOSTILE)


def test_hostile_name_in_the_input_renders_literally(tmp_path: Path) -> None:
    source = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    name = '社会保险信息网络#import "x": *]$1$ <b> @a \\ #read("/etc/passwd")'
    edited = source.replace("        name: 社会保险信息网络建设维护费\n", f"        name: '{name}'\n", 1)
    assert edited != source
    (tmp_path / "budget.yaml").write_text(edited, encoding="utf-8")
    pdf = render(tmp_path / "budget.yaml", tmp_path / "out", "--engine", "typst", "--verify")
    assert squeeze(name) in squeeze(pdftotext(pdf))


def test_a_character_missing_from_the_font_is_a_located_finding(tmp_path: Path) -> None:
    source = (GUANGYUAN / "budget.yaml").read_text(encoding="utf-8")
    edited = source.replace(
        "        name: 社会保险信息网络建设维护费\n", "        name: 社会保险信息网络建设维护费🚀\n", 1
    )
    (tmp_path / "budget.yaml").write_text(edited, encoding="utf-8")
    result = run("render", tmp_path / "budget.yaml", "-o", tmp_path / "out", "--pdf", "--engine", "typst")
    assert result.exit_code == 1
    assert "BG-C160" in result.stderr
    assert "budget.yaml:" in result.stderr
    assert "U+1F680" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_renderer_refuses_a_glyph_the_font_lacks_unless_a_draft() -> None:
    document = small_document("火箭🚀")
    with pytest.raises(RenderWarning, match="U\\+1F680"):
        render_typst_pdf(document)
    assert render_typst_pdf(document, strict=False).startswith(b"%PDF")


# --- verify ------------------------------------------------------------------------------------------------


def test_verify_catches_a_corrupted_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetgen.render import package

    real = package.render_xlsx

    def corrupted(*args: Any, **kwargs: Any) -> bytes:
        book = load_workbook(io.BytesIO(real(*args, **kwargs)))
        sheet = book.worksheets[1]  # 附表1 (the first sheet is the contents)
        cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, Decimal | float | int))
        cell.value = Decimal(str(cell.value)) + Decimal("0.01")
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    monkeypatch.setattr(package, "render_xlsx", corrupted)
    result = run("render", GUANGYUAN, "-o", tmp_path, "--xlsx", "--verify")
    assert result.exit_code == 3, result.output
    assert "BG-E080" in result.stderr
    assert "!" in result.stderr
    assert "核对未通过" in result.stderr
    assert not any(tmp_path.iterdir())  # a package with a wrong figure is not left behind


def test_verify_catches_a_figure_missing_from_the_pdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetgen.render import typst

    real = typst.render_typst_pdf

    def corrupted(document: Document, *args: Any, **kwargs: Any) -> bytes:
        first = document.appendix[0]
        part = first.parts[0]
        row = next(i for i, r in enumerate(part.rows) if any(isinstance(v, Decimal) for v in r.values))
        values = tuple(v + Decimal("1000") if isinstance(v, Decimal) else v for v in part.rows[row].values)
        rows = (*part.rows[:row], replace(part.rows[row], values=values), *part.rows[row + 1 :])
        table = replace(first, parts=(replace(part, rows=rows), *first.parts[1:]))
        return real(replace(document, tables=(table, *document.tables[1:])), *args, **kwargs)

    monkeypatch.setattr(typst, "render_typst_pdf", corrupted)
    result = run("render", GUANGYUAN, "-o", tmp_path, "--pdf", "--engine", "typst", "--verify")
    assert result.exit_code == 3, result.output
    assert "BG-E080" in result.stderr
    assert "缺少金额" in result.stderr
    assert "附表1" in result.stderr
    assert not any(tmp_path.iterdir())


# --- a large package: chunks ------------------------------------------------------------------------------


def test_chunked_layout_keeps_figures_bookmarks_and_toc(
    guangyuan_typst: Path, guangyuan_document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    from budgetgen.render import typst

    monkeypatch.setattr(typst, "SINGLE_PASS_ROWS", 10)  # the worked example as if it were a large department
    chunked = render_typst_pdf(guangyuan_document, workers=2)
    assert chunked == render_typst_pdf(guangyuan_document, workers=1)  # the bytes do not depend on the workers
    assert check_pdf(guangyuan_document, chunked) == []
    whole_reader, chunked_reader = PdfReader(guangyuan_typst), PdfReader(io.BytesIO(chunked))
    whole = [(d, t) for d, t, _p in outline(whole_reader.outline, whole_reader)]
    assert [(d, t) for d, t, _p in outline(chunked_reader.outline, chunked_reader)] == whole
    pages = pdftotext(chunked).split("\f")
    toc = next(page for page in pages if "目录" in squeeze(page))
    entries = re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, re.MULTILINE)
    assert len(entries) == len(guangyuan_document.toc)
    for title, number in entries:
        assert squeeze(title.split("、", 1)[-1]) in squeeze(pages[int(number) - 1]), (title, number)
    for index, page in enumerate(pages[:-1], 1):
        if index > 1:  # every page but the cover is numbered
            assert f"第{index}页" in squeeze(page), index
    assert Counter(FIGURE.findall(pdftotext(chunked))) == figures(guangyuan_typst)


def test_a_number_wider_than_its_column_shrinks_the_table_and_stays_whole() -> None:
    columns = (Column(("名称",), ColumnKind.TEXT, 40), *(Column((f"列{i}",), ColumnKind.AMOUNT, 4) for i in range(20)))
    header, depth = header_grid([c.path for c in columns])
    amounts = tuple(Decimal("42242.82") + i for i in range(20))
    part = TablePart(columns, header, depth, (Row(RowRole.TOTAL, ("合计", *amounts)),))
    table = Table(1, "附表1", "宽表", "宽表", "部门", "万元", (part,), "无", bookmark="附表1 宽表")
    document = Document("单位", "2025 年单位预算", 2025, "单位", tables=(table,))
    pdf = render_typst_pdf(document)
    assert Counter(FIGURE.findall(pdftotext(pdf))) == Counter(f"{a:,.2f}" for a in amounts)
    boxes = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([\d,.]+)</word>',
                       pdftotext(pdf, "-bbox"))  # fmt: skip
    spans = sorted((float(left), float(right)) for left, right, text in boxes if FIGURE.fullmatch(text))
    assert len(spans) == 20
    assert all(right <= next_left for (_l, right), (next_left, _r) in itertools.pairwise(spans)), spans
