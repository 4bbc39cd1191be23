"""Typst compiles in child processes: the caller stays small, a refusal stops the others, a chunked PDF holds together.

Each compile runs in a child of its own (``render/typst_worker.py``) because the Typst binding keeps its
layout caches for the next ten compiles of a process. These tests read what a user would see: the
caller's modules, the children's ends, the joined PDF's pages, bookmarks and page numbers.
"""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from budgetgen.package.document import build_document
from budgetgen.package.model import Document
from budgetgen.pipeline import load_ledger
from budgetgen.render import typst_chunks, typst_compile
from budgetgen.render.paging import RenderWarning, table_groups, table_rows
from budgetgen.render.typst import render_typst_pdf, typst_data
from budgetgen.render.typst_compile import TypstJob, compile_jobs

from .conftest import GUANGYUAN

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def document() -> Document:
    return build_document(load_ledger(GUANGYUAN), "sichuan-2025")


def test_the_caller_never_loads_typst() -> None:
    """The PDF comes back, and the process that asked for it has not even imported the binding."""
    code = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from budgetgen.package.document import build_document
from budgetgen.pipeline import load_ledger
from budgetgen.render.typst import render_typst_pdf
pdf = render_typst_pdf(build_document(load_ledger(Path({str(GUANGYUAN)!r})), "sichuan-2025"))
assert pdf.startswith(b"%PDF"), pdf[:20]
assert "typst" not in sys.modules, "the Typst binding was loaded in the caller"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_worker_imports_nothing_of_budgetgen_but_itself() -> None:
    """A child starts in milliseconds: the worker module must not pull in the model or the renderers."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import budgetgen.render.typst_worker; "
        "print(sorted(m for m in sys.modules if m.startswith('budgetgen')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['budgetgen', 'budgetgen.render', 'budgetgen.render.typst_worker']"


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every child process the compiles start, to look at how each ended."""
    started: list[subprocess.Popen[bytes]] = []
    real = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = real(*args, **kwargs)
        if "typst_worker" in " ".join(map(str, args[0])):  # not fontconfig's lookups
            started.append(child)
        return child

    monkeypatch.setattr(typst_compile.subprocess, "Popen", recording)
    return started


def _long(document: Document) -> dict[str, Any]:
    """The worked example with its longest table forty times over: seconds of work for one child."""
    data = typst_data(document)
    longest = max(data["tables"], key=lambda t: sum(len(p["rows"]) for p in t["parts"]))
    return {**data, "tables": [longest] * 40}


def test_a_refused_compile_stops_the_others_at_once(
    document: Document, children: list[subprocess.Popen[bytes]]
) -> None:
    broken = {**typst_data(document), "look": {}}  # the page program cannot read its look: Typst refuses
    with pytest.raises(RenderWarning, match="Typst 排版失败"):
        compile_jobs([TypstJob(_long(document), document.look.font), TypstJob(broken, document.look.font)], workers=2)
    # one refused with its reason (3), the other killed rather than waited for; both ended
    assert sorted(child.returncode for child in children) == sorted([3, -signal.SIGKILL])


def test_a_check_that_refuses_stops_the_compiles(document: Document, children: list[subprocess.Popen[bytes]]) -> None:
    def refuse() -> None:
        time.sleep(0.2)  # the children are running
        raise RenderWarning("字体中没有这些字符")

    with pytest.raises(RenderWarning, match="字体中没有"):
        compile_jobs([TypstJob(_long(document), document.look.font)] * 2, workers=2, alongside=refuse)
    assert [child.returncode for child in children] == [-signal.SIGKILL] * 2


def test_a_child_that_dies_is_a_render_error(document: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed from outside (out of memory, say): the render fails with a reason, not with a traceback."""
    real = subprocess.Popen

    def killed(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        child = real(*args, **kwargs)
        if "typst_worker" in " ".join(map(str, args[0])):
            child.kill()
        return child

    monkeypatch.setattr(typst_compile.subprocess, "Popen", killed)
    with pytest.raises(RenderWarning, match="Typst 排版进程异常结束"):
        compile_jobs([TypstJob(typst_data(document), document.look.font)])


# --- a large package in chunks ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chunked(document: Document) -> bytes:
    """The worked example laid out as a large package would be: in many chunks."""
    saved = typst_chunks.CHUNK_WEIGHT
    typst_chunks.CHUNK_WEIGHT = 150.0  # a few dozen rows a chunk: long tables are cut
    try:
        groups = typst_chunks.chunk_groups(document)
        assert len(groups) >= 6
        assert len(groups) % 2 == 0
        assert any(start > 0 for group in groups for _n, _p, start, _e in group)  # cut inside a table
        return typst_chunks.render_chunked(document, typst_data(document), strict=True, workers=2)
    finally:
        typst_chunks.CHUNK_WEIGHT = saved


def _text(pdf: bytes, page: int) -> str:
    return subprocess.run(
        ["pdftotext", "-q", "-f", str(page), "-l", str(page), "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_chunk_pages_carry_their_numbers_and_their_tables(document: Document, chunked: bytes) -> None:
    reader = PdfReader(io.BytesIO(chunked))
    named = {name: reader.get_destination_page_number(d) for name, d in reader.named_destinations.items()}
    for table in document.appendix:
        page = named[f"table-{table.number}"]  # the bookmark's target is the page the table starts on
        text = "".join(_text(chunked, page + 1).split())
        assert "".join(table.title.split()) in text, table.title
        assert f"第{page + 1}页" in text  # the stamp's number on the chunk's page


def test_the_stamp_draws_over_the_chunk_and_both_stay_whole(chunked: bytes) -> None:
    reader = PdfReader(io.BytesIO(chunked))
    last = reader.pages[-1]
    contents = last.get_contents()
    assert contents is not None
    assert contents.get_data().rstrip().endswith(f"{typst_chunks.STAMP} Do Q".encode())
    assert typst_chunks.STAMP in last["/Resources"]["/XObject"]


def test_the_cut_never_depends_on_the_workers(document: Document) -> None:
    """Chunks come from the document alone; two runs with one and two workers give the same bytes."""
    saved = typst_chunks.CHUNK_WEIGHT
    typst_chunks.CHUNK_WEIGHT = 400.0
    try:
        data = typst_data(document)
        one = typst_chunks.render_chunked(document, data, strict=True, workers=1)
        two = typst_chunks.render_chunked(document, json.loads(json.dumps(data)), strict=True, workers=2)
    finally:
        typst_chunks.CHUNK_WEIGHT = saved
    assert one == two


def test_a_small_remainder_joins_the_group_before_it(document: Document) -> None:
    """Cut into k groups, a package never ends with a crumb of a few rows laid out by a process of its own."""
    total = table_rows(document)
    for k in range(2, 12):
        groups = table_groups(document, k)
        last = sum(end - start + 6 for _n, _p, start, end in groups[-1])
        assert len(groups) <= k or last >= total / k / 4, (k, [len(g) for g in groups])


def test_render_typst_pdf_cuts_a_large_package(document: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetgen.render import typst

    monkeypatch.setattr(typst, "SINGLE_PASS_ROWS", 10)
    monkeypatch.setattr(typst_chunks, "CHUNK_WEIGHT", 600.0)
    pdf = render_typst_pdf(document)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata is not None
    assert reader.metadata.producer == "budgetgen (Typst, pypdf)"
