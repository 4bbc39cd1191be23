"""Render a document in the formats asked for, in memory: the renderers' one entry point.

It knows the document model, the ledger's output name and Excel style, and the profile's look; never
the checks (the run decides whether to render, see ``budgetgen.run``). The caller writes the bytes as a
set (``budgetgen.files.write_set``), so a failure never leaves a half-written or mismatched set behind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from budgetgen.ledger.build import Ledger
from budgetgen.package.document import output_stem
from budgetgen.package.model import Document
from budgetgen.render.html import Draft, render_html
from budgetgen.render.pdf import render_pdf_package
from budgetgen.render.xlsx import render_xlsx

ENGINES = ("weasyprint", "typst")


def render_outputs(
    document: Document,
    ledger: Ledger,
    profile: str,
    output_dir: Path,
    formats: set[str],
    draft: Draft | None = None,
    pdf_workers: int | None = None,
    stage: Callable[[str], None] | None = None,
    engine: str = "weasyprint",
) -> dict[Path, bytes]:
    """The bytes of ``<stem>.xlsx`` / ``.pdf`` / ``.html`` by their path in ``output_dir``.

    ``draft``: the marks of a draft (a draft's PDF tolerates layout warnings); ``stage`` is told each step;
    ``engine`` lays out the PDF (WeasyPrint, or Typst).
    """
    say = stage or (lambda _stage: None)
    stem = output_stem(ledger)
    outputs: dict[Path, bytes] = {}
    if "xlsx" in formats:
        say("生成 Excel 工作簿")
        style = ledger.settings.excel
        title = f"{document.title} {document.subtitle}"
        outputs[output_dir / f"{stem}.xlsx"] = render_xlsx(document.tables, title, style.font, style.fill)
    if "html" in formats:
        say("生成 HTML")
        outputs[output_dir / f"{stem}.html"] = render_html(document, profile, draft).encode("utf-8")
    if "pdf" in formats:
        say("排版 PDF")
        if engine == "typst":
            from budgetgen.render.typst import render_typst_pdf

            pdf = render_typst_pdf(document, draft, strict=draft is None, workers=pdf_workers)
        else:
            chunk_html = partial(render_html, document, profile, draft)
            pdf = render_pdf_package(document, profile, chunk_html, strict=draft is None, workers=pdf_workers)
        outputs[output_dir / f"{stem}.pdf"] = pdf
    return outputs


def verify_outputs_before_writing(document: Document, outputs: dict[Path, bytes]) -> None:
    """Read the outputs back from a private folder (before they replace anything) and compare them with the
    document: ``VerifyError`` when a figure is not where it belongs, so a wrong package is never in place."""
    import tempfile

    from budgetgen.render.verify import verify_outputs

    with tempfile.TemporaryDirectory(prefix="budgetgen-verify-") as folder:
        written = {}
        for path, data in outputs.items():
            (Path(folder) / path.name).write_bytes(data)
            written[path.suffix] = Path(folder) / path.name
        verify_outputs(document, written)
