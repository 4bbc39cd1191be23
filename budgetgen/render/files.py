"""Writing output files: atomically (temp file + rename) and byte-for-byte reproducibly.

A half-written file never appears under its final name, and the same input gives the same bytes:
zip containers (xlsx) are rewritten with fixed entry timestamps and a fixed order.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

# 1980-01-01 is the earliest time a zip entry can hold; any fixed value would do.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes to ``path`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def normalize_zip(data: bytes, rewrite: Mapping[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """The same zip with every entry's timestamp and attributes fixed, entries in their order.

    ``rewrite`` maps entry names to functions that fix their content (e.g. a save timestamp).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            fixed.create_system = 3
            content = source.read(info.filename)
            if rewrite and info.filename in rewrite:
                content = rewrite[info.filename](content)
            target.writestr(fixed, content, compresslevel=6)
    return out.getvalue()
