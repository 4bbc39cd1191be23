"""The PDF renderer: WeasyPrint on the package HTML, with no file or network access.

A small package is laid out in one pass. WeasyPrint keeps every laid-out page in memory until it
writes and uses one core, so a large one (a department of many units) is laid out in chunks: the
front matter, then slices of the tables, in parallel processes. The chunks are joined with pypdf:
page numbers are stamped afterwards in one pass, the 目录 gets the tables' page numbers from the
chunks, and the bookmarks are rebuilt as one tree. Memory is bounded by the largest chunk.

The URL fetcher serves only files inside the profile's folders (its own, the built-in profile a
user folder extends, ``_shared``; no network, no ``file://`` elsewhere), so text that reaches the
HTML cannot pull a local file into the PDF. Fixed metadata
and a content-derived file identifier make the same input give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from budgetgen.package.model import Document
from budgetgen.profiles import load_profile, profile_source
from budgetgen.render.paging import (
    CHUNKS,
    FIXED_DATE,
    MAX_CHUNK_ROWS,
    SINGLE_PASS_ROWS,
    RenderWarning,
    table_groups,
    table_rows,
)

FIXED_EPOCH = "946684800"  # 2000-01-01, the HTML's dcterms dates
GLYPH_WARNINGS = (".notdef", "glyphs missing")
# Workers are forked from the caller, which has WeasyPrint and the fonts loaded already.
_CONTEXT = multiprocessing.get_context("fork")


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class ProfileFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``file://`` URLs inside the given folders; refuses everything else."""

        def __init__(self, *roots: Path) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.roots = tuple(root.resolve() for root in roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlparse

            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"refused: {url}")
            path = Path(unquote(parsed.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                raise ValueError(f"refused: {url}")
            return super().fetch(path.as_uri(), headers)

    return ProfileFetcher


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class Chunk:
    """A laid-out chunk: its PDF, page count, the page of each anchor, its bookmarks and page sizes."""

    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)
    bookmarks: list[Any] = field(default_factory=list)
    landscape: list[bool] = field(default_factory=list)


def render_chunk(html: str, profile: str, strict: bool = True) -> Chunk:
    """Lay out one HTML document; any WeasyPrint warning is an error (drafts accept missing glyphs)."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    from weasyprint import HTML

    folders = profile_source(profile).folders
    root = folders[0]
    collector = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher_class()(*folders)).render()
        anchors = {name: index for index, page in enumerate(document.pages) for name in page.anchors}
        landscape = [page.width > page.height for page in document.pages]
        bookmarks = document.make_bookmark_tree()
        pdf = document.write_pdf()
    finally:
        logger.removeHandler(collector)
    problems = [m for m in collector.messages if strict or not any(g in m for g in GLYPH_WARNINGS)]
    if problems:
        raise RenderWarning("; ".join(problems[:5]))
    return Chunk(pdf, len(landscape), anchors, bookmarks, landscape)


def render_pdf(html: str, profile: str, strict: bool = True) -> bytes:
    """One HTML document as a PDF in one pass (small documents, and the tests of the renderer)."""
    return render_chunk(html, profile, strict).pdf


def _layout_all(front: str, tables: Sequence[str], profile: str, strict: bool, workers: int) -> list[Chunk]:
    """The front matter here, the table chunks in worker processes at the same time."""
    if workers <= 1 or not tables:
        return [render_chunk(html, profile, strict) for html in (front, *tables)]
    with ProcessPoolExecutor(max_workers=min(workers, len(tables)), mp_context=_CONTEXT) as pool:
        futures = [pool.submit(render_chunk, html, profile, strict) for html in tables]
        first = render_chunk(front, profile, strict)
        return [first, *(f.result() for f in futures)]


def _outline(writer: Any, items: list[Any], offset: int, parent: Any = None) -> None:
    for label, (page, _x, _y), children, _state in items:
        node = writer.add_outline_item(title=label, page_number=offset + page, parent=parent)
        _outline(writer, children, offset, node)


def render_pdf_package(
    document: Document, profile: str, html_for: Callable[..., str], strict: bool = True, workers: int | None = None
) -> bytes:
    """The package's PDF from chunks laid out in parallel, joined, numbered and bookmarked.

    ``html_for(front=..., slices=..., toc_pages=..., footers=...)`` renders a chunk's HTML.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    if table_rows(document) <= SINGLE_PASS_ROWS:  # small: one pass is as fast, smaller, and fully linked
        return render_chunk(html_for(front=True, slices=None, footers=True), profile, strict).pdf
    # never by the number of workers: the bytes must not depend on it
    groups = table_groups(document, CHUNKS, MAX_CHUNK_ROWS)
    placeholders = {f"table-{t.number}": 0 for t in document.appendix}  # same width as the real numbers, near enough
    front_html = html_for(front=True, slices=(), toc_pages=placeholders, footers=False)
    table_html = [html_for(front=False, slices=group, footers=False) for group in groups]
    chunks = _layout_all(front_html, table_html, profile, strict, workers)
    for _ in range(3):  # the 目录 needs the tables' pages, which follow the front matter
        front = chunks[0]
        toc: dict[str, int] = {}
        offset = front.pages
        for chunk in chunks[1:]:
            toc.update({name: offset + index + 1 for name, index in chunk.anchors.items()})
            offset += chunk.pages
        chunks[0] = render_chunk(html_for(front=True, slices=(), toc_pages=toc, footers=False), profile, strict)
        if chunks[0].pages == front.pages:
            break
    front_chunk = chunks[0]
    if load_profile(profile).document.tables_first:  # the layout prints its tables before the text
        chunks = [*chunks[1:], front_chunk]
    landscape = [flag for chunk in chunks for flag in chunk.landscape]
    cover_page = front_chunk.anchors.get("cover")
    front_start = len(landscape) - front_chunk.pages if chunks[0] is not front_chunk else 0
    cover = None if cover_page is None else front_start + cover_page
    footers = render_chunk(_footer_html(html_for, landscape, cover), profile, strict)
    writer = PdfWriter()
    for chunk in chunks:
        writer.append(PdfReader(io.BytesIO(chunk.pdf)), import_outline=False)
    stamps = PdfReader(io.BytesIO(footers.pdf))
    for page, stamp in zip(writer.pages, stamps.pages, strict=True):
        page.merge_page(stamp)
        page.compress_content_streams()  # merging leaves the joined content uncompressed
    offset = 0
    part_four = None
    for chunk in chunks:
        if chunk is front_chunk:
            for label, (page, _x, _y), children, _state in chunk.bookmarks:
                node = writer.add_outline_item(title=label, page_number=offset + page)
                _outline(writer, children, offset, node)
                anchor = document.tables_anchor
                if anchor and chunk.anchors.get(anchor) == page and label == document.tables_heading:
                    part_four = node
        else:
            _outline(writer, chunk.bookmarks, offset, part_four)
        offset += chunk.pages
    writer.add_metadata(
        {"/Title": f"{document.title} {document.subtitle}", "/Author": document.organisation, "/Creator": "budgetgen",
         "/Producer": "budgetgen (WeasyPrint, pypdf)", "/CreationDate": FIXED_DATE, "/ModDate": FIXED_DATE}
    )  # fmt: skip
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    digest = hashlib.sha256(b"".join(chunk.pdf for chunk in chunks)).digest()[:16]
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _footer_html(html_for: Callable[..., str], landscape: list[bool], cover: int | None) -> str:
    """Blank pages of the package's sizes whose only content is the page number (none on the cover)."""
    css_source = html_for(front=False, slices=(), footers=True)
    head = css_source.split("<body", 1)[0]
    pages = []
    for index, wide in enumerate(landscape):
        kind = "cover" if index == cover else ("table-block wide" if wide else "blank")
        pages.append(f'<div class="{kind}" style="break-after: page; height: 1px; margin: 0"></div>')
    return f"{head}<body>{''.join(pages)}</body></html>"
