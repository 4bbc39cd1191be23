"""One Typst compile of the page program: the step both the one-pass and the chunked Typst PDFs share.

Its own module so that the chunk workers import it without the document-to-data code (no import circle).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from budgetgen.render.pdf import RenderWarning

PROGRAM = Path(__file__).with_name("package.typ")
FIXED_TIMESTAMP = 946684800  # 2000-01-01, as the WeasyPrint engine's metadata


@cache
def font_files(family: str) -> tuple[Path, ...]:
    """The font files of one family (all its weights), as fontconfig knows them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        found = subprocess.run(
            [fc_list, "--format", "%{file}\n", f":family={family}"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted({Path(line) for line in found.splitlines() if line.strip()}))



def compile_data(data: dict[str, Any], family: str, strict: bool = True, tags: bool = True) -> bytes:
    """One Typst compile of the page program over ``data``: root, fonts and packages confined to a temp folder."""
    import typst

    files = font_files(family)
    if not files:
        raise RenderWarning(f"找不到字体“{family}”（请安装 fonts-noto-cjk）")
    with tempfile.TemporaryDirectory(prefix="budgetgen-typst-") as tmp:
        root, fonts = Path(tmp) / "root", Path(tmp) / "fonts"
        root.mkdir()
        fonts.mkdir()
        for i, file in enumerate(files):
            (fonts / f"{i}-{file.name}").symlink_to(file)
        main = root / "main.typ"
        main.write_bytes(PROGRAM.read_bytes())
        try:
            pdf, warnings = typst.compile_with_warnings(
                str(main),
                root=str(root),
                font_paths=[str(fonts)],
                ignore_system_fonts=True,
                sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
                timestamp=FIXED_TIMESTAMP,
                package_path=str(root),
                package_cache_path=str(root),
                pdf_tags=tags,
            )
        except typst.TypstError as error:
            raise RenderWarning(f"Typst 排版失败：{error}") from error
    if strict and warnings:
        raise RenderWarning("; ".join(str(w) for w in warnings[:5]))
    if not isinstance(pdf, bytes):  # pragma: no cover - the binding returns bytes without an output path
        raise RenderWarning("Typst 没有返回 PDF")
    return pdf
