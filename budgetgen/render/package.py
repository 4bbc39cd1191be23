"""Render a budget's package in the formats asked for, writing every file atomically.

All outputs are produced in memory first and written only when every one of them succeeded, then
written as a set (``write_set``): the previous files are replaced together or not at all, so a
failure or a signal never leaves a half-written or a mismatched set of files behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from budgetgen.checks import has_errors, run_checks
from budgetgen.checks.context import CheckContext
from budgetgen.diagnostics import Diagnostic, Severity
from budgetgen.files import write_set
from budgetgen.package.document import build_document, output_stem
from budgetgen.pipeline import load_context
from budgetgen.render.html import Draft, render_html
from budgetgen.render.pdf import render_pdf_package
from budgetgen.render.xlsx import render_xlsx


class RefusedError(Exception):
    """The input has check errors: a final package is not rendered (``--draft`` renders anyway)."""

    def __init__(self, findings: list[Diagnostic]) -> None:
        self.findings = findings
        super().__init__(f"{len(findings)} findings")


def render_package(
    input_path: Path,
    output_dir: Path,
    profile: str,
    formats: set[str],
    draft: bool = False,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    stage: Callable[[str], None] | None = None,
) -> list[Path]:
    """Load an input and write its package (see ``render_context``); return the paths written.

    ``stage`` is told each step as it starts (the command line shows them on a terminal).
    """
    if stage is not None:
        stage("读取输入")
    ctx = load_context(input_path, profile)
    paths, _ = render_context(ctx, output_dir, formats, draft, select=select, ignore=ignore, stage=stage)
    return paths


def render_context(
    ctx: CheckContext,
    output_dir: Path,
    formats: set[str],
    draft: bool = False,
    pdf_workers: int | None = None,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    stage: Callable[[str], None] | None = None,
) -> tuple[list[Path], list[Diagnostic]]:
    """Write ``<stem>.xlsx`` / ``.pdf`` / ``.html`` into ``output_dir``; return the paths and findings."""
    outputs, findings = build_outputs(
        ctx, output_dir, formats, draft, pdf_workers, select=select, ignore=ignore, stage=stage
    )
    if stage is not None:
        stage("写入文件")
    return write_set(outputs), findings


def build_outputs(
    ctx: CheckContext,
    output_dir: Path,
    formats: set[str],
    draft: bool = False,
    pdf_workers: int | None = None,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    stage: Callable[[str], None] | None = None,
) -> tuple[dict[Path, bytes], list[Diagnostic]]:
    """The bytes of ``<stem>.xlsx`` / ``.pdf`` / ``.html`` by their path in ``output_dir``, and the findings.

    Without ``draft`` an input with check errors is refused (the profile's rules, narrowed by
    ``select`` / ``ignore`` as in ``check``); a draft is always rendered, with a
    watermark, the input's hash and its findings on a page of their own.
    """
    loaded, ledger, profile = ctx.loaded, ctx.ledger, ctx.profile
    say = stage or (lambda _stage: None)
    say("检查输入")
    findings = run_checks(ctx, select, ignore)
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
        say("生成 Excel 工作簿")
        style = ledger.settings.excel
        title = f"{document.title} {document.subtitle}"
        outputs[output_dir / f"{stem}.xlsx"] = render_xlsx(document.tables, title, style.font, style.fill)
    if "html" in formats:
        say("生成 HTML")
        outputs[output_dir / f"{stem}.html"] = render_html(document, profile, marks).encode("utf-8")
    if "pdf" in formats:
        say("排版 PDF")
        chunk_html = partial(render_html, document, profile, marks)
        outputs[output_dir / f"{stem}.pdf"] = render_pdf_package(
            document, profile, chunk_html, strict=not draft, workers=pdf_workers
        )
    return outputs, findings
