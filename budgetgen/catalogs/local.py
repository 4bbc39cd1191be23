"""A budget's own codes: ``catalog.csv`` beside the input (or ``--catalog FILE``) adds local 项 and detail codes.

Provinces and cities add 项 (7-digit 功能分类 codes under a national 款) and detail economic codes (7 digits under
a 款, 9 under a 7-digit detail). The file is ``code,name[,parent]``, one code a line, an optional header line and
``#`` comments. A local code must be well formed, sit at its level under an existing parent, and never rename a
national code: each problem is a located error naming the line. The file is untrusted: regular file only, bounded.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from pathlib import Path

from budgetgen.catalogs import Catalog, Entry
from budgetgen.diagnostics import Diagnostic, InputError, Location

LOCAL_NAME = "catalog.csv"
ENV_VAR = "BUDGETGEN_CATALOG"  # set by ``--catalog``, so that batch workers see it too
MAX_BYTES = 1_000_000
MAX_LINES = 20_000
MAX_NAME = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
HEADERS = ("code", "代码", "科目代码", "编码", "科目编码")  # an optional first line naming the columns


def local_catalog_path(input_file: Path, explicit: Path | None = None) -> Path | None:
    """The local catalog a budget uses: ``--catalog`` (explicit or via the environment), else one beside it."""
    if explicit is not None:
        return explicit
    named = os.environ.get(ENV_VAR)
    if named:
        return Path(named)
    beside = input_file.parent / LOCAL_NAME
    return beside if beside.exists() else None


def _error(file: Path, line: int | None, message: str, hints: tuple[str, ...] = ()) -> Diagnostic:
    return Diagnostic("BG-E028", message, Location(str(file), line), hints=hints)


def _read_text(file: Path) -> str:
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError([_error(file, None, "本地科目表不是普通文件")])
        if info.st_size > MAX_BYTES:
            raise InputError([_error(file, None, f"本地科目表过大（{info.st_size} 字节，上限 {MAX_BYTES} 字节）")])
        raw = file.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        raise InputError([_error(file, None, f"无法读取本地科目表：{exc.strerror}")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            [_error(file, None, "本地科目表不是 UTF-8 编码的文本（请在 Excel 中另存为“CSV UTF-8”）")]
        ) from None


def read_local(file: Path, catalog: Catalog) -> Catalog:
    """The catalog with the file's local codes added, or an InputError naming every bad line."""
    text = _read_text(file)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise InputError([_error(file, None, f"本地科目表行数过多（上限 {MAX_LINES} 行）")])
    errors: list[Diagnostic] = []
    rows: list[tuple[int, str, str, str]] = []
    seen: dict[str, int] = {}
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [f.strip() for f in fields]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and cells[0].lower() in HEADERS:
            continue
        if len(cells) not in (2, 3):
            errors.append(_error(file, number, f"第 {number} 行应为“代码,名称[,上级代码]”，实际有 {len(cells)} 列"))
            continue
        code, name, up = cells[0], cells[1], cells[2] if len(cells) == 3 else ""
        if code in seen:
            errors.append(_error(file, number, f"代码“{code}”重复（与第 {seen[code]} 行相同）"))
            continue
        seen[code] = number
        rows.append((number, code, name, up))
    functions: dict[str, Entry] = {}
    econ: dict[str, Entry] = {}
    for number, code, name, up in sorted(rows, key=lambda r: len(r[1])):  # 7-digit parents before 9-digit codes
        problem = _problem(catalog, econ, code, name, up)
        if problem is not None:
            errors.append(_error(file, number, f"第 {number} 行：{problem[0]}", problem[1]))
        elif code.startswith("2") and code not in catalog.functions:
            functions[code] = Entry(code, name)
        elif code.startswith("3") and code not in catalog.econ:
            econ[code] = Entry(code, name)
    if errors:
        raise InputError(sorted(errors, key=lambda d: d.location.line or 0))
    return catalog.with_local(functions, econ)


def _problem(
    catalog: Catalog, econ: dict[str, Entry], code: str, name: str, up: str
) -> tuple[str, tuple[str, ...]] | None:
    """What is wrong with one local code (message and hints), or None."""
    if not re.fullmatch(r"[0-9]+", code):
        return f"代码“{code}”应全为数字", ()
    if not name or len(name) > MAX_NAME or CONTROL.search(name):
        return f"代码“{code}”的名称为空、过长或含控制字符", ()
    if code.startswith("2"):
        if len(code) != 7:
            return f"功能分类代码“{code}”应为 7 位的项（本地只能增设项）", ()
        parent, table, national = code[:5], catalog.functions, catalog.functions
    elif code.startswith("3"):
        if len(code) not in (7, 9):
            return f"经济分类代码“{code}”应为 7 位或 9 位的明细科目（本地只能增设明细）", ()
        parent = code[: len(code) - 2]
        table, national = {**catalog.econ, **econ}, catalog.econ
    else:
        return f"代码“{code}”不是支出功能分类（2 开头）或部门经济分类（3 开头）科目", ()
    if code in national:
        if national[code].name != name:
            return (
                f"“{code}”是 {catalog.year} 年科目表中的“{national[code].name}”，本地科目表不能改名为“{name}”",
                ("如需本地科目，请使用未被占用的代码",),
            )
        return None
    if up and up != parent:
        return f"“{code}”的上级应为“{parent}”，不是“{up}”", ()
    if parent not in table:
        return f"“{code}”的上级科目“{parent}”不在 {catalog.year} 年科目表中", ()
    return None
