"""A large package typeset by Typst in chunks: bounded memory, both cores, one joined PDF.

One Typst compile keeps every laid-out table cell until it writes (~10 KB a cell: ~450 MiB at 50
pages), so a department of many units is cut the way the WeasyPrint engine cuts it
(``pdf.table_groups``): slices of the tables compiled in worker processes (one fresh process per
chunk, so memory is bounded by the largest chunk), the front matter (cover, 目录, text) compiled with
the tables' page numbers, the table pages stamped with their page numbers and draft marks, and one
bookmark tree rebuilt with pypdf. The joined PDF is not tagged (pypdf cannot join structure trees).
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
from typing import Any

from budgetgen.package.model import Document
from budgetgen.render.pdf import CHUNKS, FIXED_DATE, table_groups
from budgetgen.render.typst_compile import compile_data

# Not fork: a process that has run Typst holds its thread pool's locks, and a forked child would wait on
# them forever. The fork server is a fresh process that has only imported the renderer.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["budgetgen.render.typst"])
CHUNK_ROWS = 1000  # table rows per chunk: ~350 MiB for a Typst worker, few enough processes to start


def _compile_job(job: tuple[dict[str, Any], str, bool]) -> bytes:
    data, family, strict = job
    return compile_data(data, family, strict, tags=False)


def _empty(data: dict[str, Any]) -> dict[str, Any]:
    """The data with no front matter and no tables (a chunk adds what it holds)."""
    return {
        **data,
        "parts": [],
        "cover": [],
        "toc_title": None,
        "toc": [],
        "findings": [],
        "tables_heading": None,
        "tables": [],
        "stamp": [],
    }


def _slices_data(
    document: Document, data: dict[str, Any], slices: list[tuple[int, int, int, int]]
) -> list[dict[str, Any]]:
    """The slices of the tables one chunk holds; a slice that continues a table gets no second bookmark."""
    by_number = {t.number: (t, d) for t, d in zip(document.appendix, data["tables"], strict=True)}
    tables = []
    for number, index, start, end in slices:
        table, whole = by_number[number]
        part = whole["parts"][index]
        split = part["split"]
        part = {
            **part,
            "rows": part["rows"][start:end],
            "split": split - start if split is not None and start <= split < end else None,
        }
        last = index == len(table.parts) - 1 and end >= len(table.parts[index].rows)
        tables.append(
            {
                **whole,
                "parts": [part],
                "anchor": whole["anchor"] if index == 0 and start == 0 else None,
                "note": whole["note"] if last else "",
            }
        )
    return tables


def _outline(pdf: bytes) -> list[Any]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))

    def walk(items: list[Any]) -> list[Any]:
        found: list[Any] = []
        for item in items:
            if isinstance(item, list):
                if found:
                    found[-1][2].extend(walk(item))
            else:
                found.append([str(item.title), reader.get_destination_page_number(item), []])
        return found

    return walk(reader.outline)


def _landscape(pdf: bytes) -> list[bool]:
    from pypdf import PdfReader

    return [float(p.mediabox.width) > float(p.mediabox.height) for p in PdfReader(io.BytesIO(pdf)).pages]


def render_chunked(document: Document, data: dict[str, Any], strict: bool, workers: int | None = None) -> bytes:
    """The package's PDF from table chunks compiled in parallel, the front matter, stamps and one outline."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    family = document.look.font
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    groups = table_groups(document, CHUNKS, CHUNK_ROWS)
    table_jobs = [
        ({**_empty(data), "tables": _slices_data(document, data, g), "footer": False, "draft": None}, family, strict)
        for g in groups
    ]
    front = {**data, "tables": []}
    with _CONTEXT.Pool(max(workers, 1), maxtasksperchild=1) as pool:
        chunks = pool.map(_compile_job, table_jobs, chunksize=1)
        table_pages = [len(PdfReader(io.BytesIO(c)).pages) for c in chunks]
        toc: dict[str, int] = {}  # each table's first page counted from the first table page
        offset = 0
        for (chunk_data, _family, _strict), chunk, pages in zip(table_jobs, chunks, table_pages, strict=True):
            anchors = [t["anchor"] for t in chunk_data["tables"] if t["anchor"] is not None]
            starts = [entry[1] for entry in _outline(chunk)]  # the bookmarks of those tables, in order
            toc.update({a: offset + s + 1 for a, s in zip(anchors, starts, strict=True)})
            offset += pages
        # the front matter adds its own length to those numbers when the tables follow it (one compile)
        front_offset = sum(table_pages) if document.tables_first else 0
        front_job = ({**front, "toc_pages": toc, "toc_after_front": not document.tables_first,
                      "page_offset": front_offset}, family, strict)  # fmt: skip
        front_pdf = pool.apply(_compile_job, (front_job,))
        front_pages = len(PdfReader(io.BytesIO(front_pdf)).pages)
        landscape = [flag for chunk in chunks for flag in _landscape(chunk)]
        first_table_page = 0 if document.tables_first else front_pages
        stamp_job = ({**_empty(data), "stamp": landscape, "page_offset": first_table_page}, family, strict)
        stamps = pool.apply(_compile_job, (stamp_job,))
    order = [*chunks, front_pdf] if document.tables_first else [front_pdf, *chunks]
    writer = PdfWriter()
    for pdf in order:
        writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)
    for page, stamp in zip(writer.pages[first_table_page:], PdfReader(io.BytesIO(stamps)).pages, strict=False):
        page.merge_page(stamp)
        page.compress_content_streams()
    _bookmarks(writer, document, front_pdf, chunks, first_table_page, sum(table_pages) if document.tables_first else 0)
    writer.add_metadata(
        {
            "/Title": data["title"],
            "/Author": data["author"],
            "/Creator": "budgetgen",
            "/Producer": "budgetgen (Typst, pypdf)",
            "/CreationDate": FIXED_DATE,
            "/ModDate": FIXED_DATE,
        }
    )
    digest = hashlib.sha256(b"".join(order)).digest()[:16]
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bookmarks(
    writer: Any, document: Document, front: bytes, chunks: list[bytes], tables_at: int, front_at: int
) -> None:
    """One outline: the front matter's, with every chunk's tables under the tables' heading (if any)."""
    parent = None

    def add(entries: list[Any], offset: int, under: Any) -> None:
        nonlocal parent
        for title, page, children in entries:
            node = writer.add_outline_item(title=title, page_number=offset + page, parent=under)
            if under is None and document.tables_heading and title == document.tables_heading:
                parent = node
            add(children, offset, node)

    add(_outline(front), front_at, None)
    offset = tables_at
    for chunk in chunks:
        for title, page, children in _outline(chunk):
            node = writer.add_outline_item(title=title, page_number=offset + page, parent=parent)
            for child in children:
                writer.add_outline_item(title=child[0], page_number=offset + child[1], parent=node)
        offset += len(_landscape(chunk))
