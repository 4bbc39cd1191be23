"""One Typst compile in a child process of its own: ``python -c`` runs ``main`` on a job read from stdin.

Why a process per compile: the Typst binding keeps its layout caches for the next ten compiles of the
process (hundreds of MiB each for a large package), so a server or a batch that compiled in-process
would grow by that much; a child gives everything back when it ends, and large packages compile their
chunks on both cores at once. This module imports nothing of budgetgen but itself (a fast start).

The job (stdin): one line of JSON ``{"fonts": [...], "strict": bool, "tags": bool}``, then the
document's data as JSON. The answer: the PDF on stdout and exit 0, or one line on stderr and exit 3
(a Typst error, or a warning when strict).
"""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

PROGRAM = Path(__file__).with_name("package.typ")
FIXED_TIMESTAMP = 946684800  # 2000-01-01, as the WeasyPrint engine's metadata
REFUSED = 3  # the exit code of a compile that failed or warned: its reason is on stderr
# Typst writes the default ``/Suspects false`` into a tagged PDF's MarkInfo, which is valid PDF but makes
# poppler (pdftotext, pdfinfo …) print "Syntax Error: Suspects object is wrong type" on every use. The
# entry is dropped for spaces of the same length: every byte offset of the file stays where it was.
SUSPECTS = b"/MarkInfo<</Marked true/Suspects false>>"


class CompileError(Exception):
    """Typst refused the document or warned about it (strict)."""


def compile_pdf(data: str, fonts: list[str], strict: bool = True, tags: bool = True) -> bytes:
    """The page program over ``data`` (JSON): root, fonts and packages confined to a temp folder."""
    import typst

    with tempfile.TemporaryDirectory(prefix="budgetgen-typst-") as tmp:
        root, folder = Path(tmp) / "root", Path(tmp) / "fonts"
        root.mkdir()
        folder.mkdir()
        for i, file in enumerate(fonts):
            (folder / f"{i}-{Path(file).name}").symlink_to(file)
        main = root / "main.typ"
        main.write_bytes(PROGRAM.read_bytes())
        try:
            pdf, warnings = typst.compile_with_warnings(
                str(main),
                root=str(root),
                font_paths=[str(folder)],
                ignore_system_fonts=True,
                sys_inputs={"data": data},
                timestamp=FIXED_TIMESTAMP,
                package_path=str(root),
                package_cache_path=str(root),
                pdf_tags=tags,
            )
        except typst.TypstError as error:
            raise CompileError(f"Typst 排版失败：{error}") from error
    if strict and warnings:
        raise CompileError("; ".join(str(w) for w in warnings[:5]))
    if not isinstance(pdf, bytes):  # pragma: no cover - the binding returns bytes without an output path
        raise CompileError("Typst 没有返回 PDF")
    quiet = b"/MarkInfo<</Marked true>>"
    return pdf.replace(SUSPECTS, quiet + b" " * (len(SUSPECTS) - len(quiet)), 1)


def main() -> None:
    """Serve one job: the parent stops us by killing, so Ctrl-C at the terminal is the parent's alone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    head = sys.stdin.buffer.readline()
    job: dict[str, Any] = json.loads(head)
    data = sys.stdin.buffer.read().decode("utf-8")
    try:
        pdf = compile_pdf(data, job["fonts"], job["strict"], job["tags"])
    except CompileError as error:
        sys.stderr.write(str(error).replace("\n", " ") + "\n")
        sys.exit(REFUSED)
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
