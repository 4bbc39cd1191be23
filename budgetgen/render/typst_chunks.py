"""A large package typeset by Typst in chunks: bounded memory, both cores, one joined PDF.

One Typst compile keeps every laid-out table cell until it writes (~10 KB a cell), so a department
of many units is cut into slices of its tables (``paging.table_groups``, weighed by cells) that
compile in child processes at the same time, longest first. Then one compile of the whole package
in which each table page is a blank *stamp* page of its size: it lays out the cover, 目录, text,
page numbers, draft marks, bookmarks and links, with the 目录's page numbers counted by Typst itself.
Each chunk page is drawn under its stamp page (a form XObject: no content stream is parsed or
renamed), so the joined PDF keeps that compile's outline, destinations and metadata. The joined PDF
is not tagged (its table content comes from other compiles).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Callable
from typing import Any

from budgetgen.package.model import Document, TablePart
from budgetgen.render.paging import FIXED_DATE, RenderWarning, Slice, overhead, table_groups
from budgetgen.render.typst_compile import TypstJob, compile_jobs

# Measured on the default layout's tables: Typst spends ~125 µs on a row and ~23 µs on each of its cells, so a
# row weighs 1 + 0.18 per column. A chunk weighs at most CHUNK_WEIGHT (~1 s, ~340 MiB in its worker).
CELL_WEIGHT = 0.18
CHUNK_WEIGHT = 7000.0
STAMP = "/BudgetgenTablePage"  # the resource name of the stamp page drawn over a chunk page


def _weight(part: TablePart) -> float:
    return 1.0 + CELL_WEIGHT * len(part.columns)


def chunk_groups(document: Document) -> list[list[Slice]]:
    """The table slices each chunk lays out: an even number of chunks of similar weight.

    An even number, because two cores finish together; never by the number of workers, so that the
    bytes do not depend on it.
    """
    total = sum((len(p.rows) + overhead(p)) * _weight(p) for t in document.appendix for p in t.parts)
    count = max(2, math.ceil(total / CHUNK_WEIGHT))
    count += count % 2
    return table_groups(document, count, CHUNK_WEIGHT, _weight)


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


def _slices_data(document: Document, data: dict[str, Any], slices: list[Slice]) -> list[dict[str, Any]]:
    """The slices of the tables one chunk holds; a slice that continues a table has no anchor."""
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


def _job_weight(data: dict[str, Any]) -> float:
    return sum(len(p["rows"]) * (1 + CELL_WEIGHT * len(p["widths"])) for t in data["tables"] for p in t["parts"])


def chunk_data(document: Document, data: dict[str, Any], group: list[Slice]) -> dict[str, Any]:
    """One chunk's data: its table slices only, with no page numbers or draft marks (the stamps add them)."""
    return {**_empty(data), "tables": _slices_data(document, data, group), "footer": False, "draft": None}


def _stamps(chunks: list[Any], tables: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """A stamp page for each chunk page: its orientation and, where a table starts, that table's bookmark."""
    stamps = []
    for reader in chunks:
        starts = {reader.get_destination_page_number(d): name for name, d in reader.named_destinations.items()}
        for index, page in enumerate(reader.pages):
            anchor = starts.get(index)
            table = tables.get(anchor or "")
            stamps.append(
                {
                    "wide": float(page.mediabox.width) > float(page.mediabox.height),
                    "anchor": anchor if table else None,
                    "bookmark": table["bookmark"] if table else "",
                    "level": table["level"] if table else 2,
                }
            )
    return stamps


def render_chunked(
    document: Document,
    data: dict[str, Any],
    strict: bool,
    workers: int | None = None,
    alongside: Callable[[], None] | None = None,
) -> bytes:
    """The package's PDF from table chunks compiled in parallel under one compile of everything else.

    ``alongside`` runs while the chunks compile (the glyph check).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, ByteStringObject, NameObject

    family = document.look.font
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    jobs = [TypstJob(chunk_data(document, data, g), family, strict, tags=False) for g in chunk_groups(document)]
    longest_first = sorted(range(len(jobs)), key=lambda i: -_job_weight(jobs[i].data))
    compiled = compile_jobs([jobs[i] for i in longest_first], workers, alongside)
    pdfs: list[bytes] = [b""] * len(jobs)
    for i, pdf in zip(longest_first, compiled, strict=True):
        pdfs[i] = pdf
    chunks = [PdfReader(io.BytesIO(pdf)) for pdf in pdfs]
    tables = {t["anchor"]: t for t in data["tables"]}
    stamps = _stamps(chunks, tables)
    base_pdf = compile_jobs([TypstJob({**data, "tables": [], "stamp": stamps}, family, strict, tags=False)])[0]
    base = PdfReader(io.BytesIO(base_pdf))
    first = base.named_destinations.get(data["tables"][0]["anchor"])
    at = None if first is None else base.get_destination_page_number(first)
    if at is None:
        raise RenderWarning("Typst 分块排版失败：找不到第一张表的位置")
    writer = PdfWriter(clone_from=base)
    _underlay(writer, at, chunks)
    writer.add_metadata(
        {
            "/Creator": "budgetgen",
            "/Producer": "budgetgen (Typst, pypdf)",
            "/CreationDate": FIXED_DATE,
            "/ModDate": FIXED_DATE,
        }
    )
    digest = hashlib.sha256(b"".join([base_pdf, *pdfs])).digest()[:16]
    writer._ID = ArrayObject([ByteStringObject(digest), ByteStringObject(digest)])
    writer.root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _underlay(writer: Any, at: int, chunks: list[Any]) -> None:
    """Draw each chunk page under the stamp page that holds its place (from page ``at`` on).

    The stamp page's own content becomes a form XObject drawn last; the page takes the chunk page's
    content and resources as they are, so nothing is parsed or renamed.
    """
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes) -> Any:
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    begin, end = stream(b"q\n"), stream(f"\nQ q {STAMP} Do Q\n".encode())
    pages = [page for reader in chunks for page in reader.pages]
    if at + len(pages) > len(writer.pages):
        raise RenderWarning("Typst 分块排版失败：表页数与占位页数不符")
    for target, page in zip(writer.pages[at : at + len(pages)], pages, strict=True):
        stamp = target.get_contents()
        form = DecodedStreamObject()
        form.set_data(stamp.get_data() if stamp is not None else b"")
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = target.mediabox
        form[NameObject("/Resources")] = target["/Resources"] if "/Resources" in target else DictionaryObject()
        resources = DictionaryObject(page["/Resources"].clone(writer))
        existing = resources.get("/XObject")
        xobjects = DictionaryObject(existing.get_object() if existing is not None else {})
        xobjects[NameObject(STAMP)] = writer._add_object(form)
        resources[NameObject("/XObject")] = xobjects
        contents = page.raw_get("/Contents").clone(writer)
        inner = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        target[NameObject("/Contents")] = ArrayObject([begin, *inner, end])
        target[NameObject("/Resources")] = resources
