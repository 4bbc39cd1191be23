"""The PDF renderer: WeasyPrint on the package HTML, with no file or network access.

The URL fetcher serves only files inside the profile's folder (and nothing else: no network, no
``file://`` elsewhere), so text that reaches the HTML cannot pull a local file into the PDF. Fixed
metadata make the same input give the same bytes.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

from budgetgen.profiles import templates_root

FIXED_EPOCH = "946684800"  # 2000-01-01, the HTML's dcterms dates


class RenderWarning(Exception):
    """WeasyPrint warned (a missing glyph, a refused URL): the PDF would not be what we promise."""


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher

    class ProfileFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``file://`` URLs inside one folder; refuses everything else."""

        def __init__(self, root: Path) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self.root = root.resolve()

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlparse

            parsed = urlparse(url)
            if parsed.scheme != "file":
                raise ValueError(f"refused: {url}")
            path = Path(unquote(parsed.path)).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise ValueError(f"refused: {url}")
            return super().fetch(path.as_uri(), headers)

    return ProfileFetcher


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


GLYPH_WARNINGS = (".notdef", "glyphs missing")


def render_pdf(html: str, profile: str, strict: bool = True) -> bytes:
    """Lay out the HTML and return the PDF bytes; any WeasyPrint warning is an error.

    A draft (``strict=False``) accepts missing glyphs (they show as boxes; ``check`` names them).
    """
    os.environ.setdefault("SOURCE_DATE_EPOCH", FIXED_EPOCH)
    from weasyprint import HTML

    root = templates_root() / profile
    collector = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher_class()(root))
        buffer = io.BytesIO()
        document.write_pdf(buffer, uncompressed_pdf=False)
    finally:
        logger.removeHandler(collector)
    problems = [m for m in collector.messages if strict or not any(g in m for g in GLYPH_WARNINGS)]
    if problems:
        raise RenderWarning("; ".join(problems[:5]))
    return buffer.getvalue()
