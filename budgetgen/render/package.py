"""Render a budget's package in the formats asked for, writing every file atomically.

All outputs are produced in memory first and written only when every one of them succeeded, so a
failure never leaves a half-written or a mismatched set of files behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import partial
from pathlib import Path

from budgetgen.checks import has_errors, run_checks
from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Diagnostic, Severity
from budgetgen.package.document import build_document, output_stem
from budgetgen.pipeline import load_context
from budgetgen.render.files import write_atomic
from budgetgen.render.html import Draft, render_html
from budgetgen.render.pdf import render_pdf_package
from budgetgen.render.xlsx import render_xlsx


class RefusedError(Exception):
    """The input has check errors: a final package is not rendered (``--draft`` renders anyway)."""

    def __init__(self, findings: list[Diagnostic]) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} findings")


ENGINES = ("weasyprint", "typst")


def render_package(
    input_path: Path,
    output_dir: Path,
    profile: str,
    formats: set[str],
    draft: bool = False,
    engine: str = "weasyprint",
    verify: bool = False,
) -> list[Path]:
    """Load an input and write its package (see ``render_context``); return the paths written."""
    paths, _ = render_context(load_context(input_path, profile), output_dir, formats, draft, engine=engine,
                              verify=verify)  # fmt: skip
    return paths


def render_context(
    ctx: CheckContext,
    output_dir: Path,
    formats: set[str],
    draft: bool = False,
    pdf_workers: int | None = None,
    engine: str = "weasyprint",
    verify: bool = False,
) -> tuple[list[Path], list[Diagnostic]]:
    """Write ``<stem>.xlsx`` / ``.pdf`` / ``.html`` into ``output_dir``; return the paths and findings.

    Without ``draft`` an input with check errors is refused; a draft is always rendered, with a
    watermark, the input's hash and its findings on a page of their own. ``engine`` lays out the
    PDF (WeasyPrint, or Typst); ``verify`` reads the written xlsx and PDF back and raises
    ``VerifyError`` when a figure of the document is not where it belongs.
    """
    loaded, ledger, profile = ctx.loaded, ctx.ledger, ctx.profile
    findings = run_checks(ctx)
    if not draft and has_errors(findings):
        raise RefusedError([f for f in findings if f.severity is Severity.ERROR])
    document = build_document(ledger, profile, ctx.sections)  # the text the checks already read
    marks = None
    if draft:
        document = replace(document, findings=tuple(str(f) for f in findings))
        marks = Draft(hashlib.sha256(loaded.raw).hexdigest()[:12], loaded.budget.prepared_on)
    stem = output_stem(ledger)
    outputs: dict[Path, bytes] = {}
    if "xlsx" in formats:
        style = ledger.settings.excel
        title = f"{document.title} {document.subtitle}"
        outputs[output_dir / f"{stem}.xlsx"] = render_xlsx(document.tables, title, style.font, style.fill)
    if "html" in formats:
        outputs[output_dir / f"{stem}.html"] = render_html(document, profile, marks).encode("utf-8")
    if "pdf" in formats:
        if engine == "typst":
            from budgetgen.render.typst import render_typst_pdf

            pdf = render_typst_pdf(document, marks, strict=not draft)
        else:
            chunk_html = partial(render_html, document, profile, marks)
            pdf = render_pdf_package(document, profile, chunk_html, strict=not draft, workers=pdf_workers)
        outputs[output_dir / f"{stem}.pdf"] = pdf
    for path, data in outputs.items():
        write_atomic(path, data)
    if verify:
        from budgetgen.render.verify import VerifyError, verify_outputs

        try:
            verify_outputs(document, {path.suffix: path for path in outputs})
        except VerifyError:
            for path in outputs:  # a package whose figures are wrong must not be published
                path.unlink(missing_ok=True)
            raise
    return list(outputs), findings
