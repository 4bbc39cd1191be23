"""Read YAML into plain data plus a map from field paths to file positions.

libyaml parses the text into events (which keep line and column of every value); we build dicts,
lists and strings from them ourselves, without PyYAML's node tree (five times the parse on 8 MB).
That gives four things a budget input needs: positions for every error, duplicate keys rejected,
bounded alias expansion (no "billion laughs"), and scalars kept as the text the user wrote, so
``0.16`` reaches ``Decimal`` exactly and ``0801`` stays a code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from budgetgen.diagnostics import Diagnostic, InputError, Location, Path

MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 64
MAX_KEYS = 10_000  # keys of one mapping: a budget's largest has a few hundred

try:  # the C composer is ~10x faster; both give the same nodes and marks
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


@dataclass
class Positions:
    """1-based (line, column) of each value and each mapping key, by field path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, file: str, path: Path, at_key: bool = False) -> Location:
        """The position of the deepest part of ``path`` that the file has."""
        if at_key and path in self.keys:
            line, column = self.keys[path]
            return Location(file, line, column, path=path)
        probe = path
        while probe not in self.values and probe:
            probe = probe[:-1]
        line, column = self.values.get(probe, (1, 1))
        return Location(file, line, column, path=path)


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NULL_TAG = "tag:yaml.org,2002:null"


def _mark(event: yaml.Event) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Builder:
    """Plain data and positions from libyaml's events."""

    def __init__(self, file: str, events: Iterator[yaml.Event]) -> None:
        self.file = file
        self.events = events
        self.positions = Positions()
        self.weight = 0  # values built, aliases counted with everything they expand to
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor → (value, weight)

    def fail(self, code: str, message: str, event: yaml.Event, path: Path) -> InputError:
        line, column = _mark(event)
        return InputError([Diagnostic(code, message, Location(self.file, line, column, path=path))])

    def document(self) -> Any:
        """The single document of the stream (None when the stream is empty)."""
        event = next(self.events)  # StreamStart
        event = next(self.events)
        if isinstance(event, yaml.StreamEndEvent):
            return None
        value = self.value(next(self.events), ())  # after DocumentStart
        next(self.events)  # DocumentEnd
        event = next(self.events)
        if not isinstance(event, yaml.StreamEndEvent):
            raise self.fail("BG-E002", "YAML 语法错误：文件中只能有一个 YAML 文档", event, ())
        return value

    def value(self, event: yaml.Event, path: Path) -> Any:
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail("BG-E002", "YAML 语法错误：使用了未定义的别名", event, path)
            known, size = self.anchors[event.anchor]
            self.weight += size
            if self.weight > MAX_NODES:
                raise self.fail("BG-E004", f"YAML 别名展开过多（超过 {MAX_NODES} 个节点，可能是别名炸弹）", event, path)
            self.positions.values.setdefault(path, _mark(event))
            return known
        before = self.weight
        self.weight += 1
        if self.weight > MAX_NODES:
            raise self.fail("BG-E004", f"YAML 节点过多（超过 {MAX_NODES} 个）", event, path)
        if len(path) > MAX_DEPTH:
            raise self.fail("BG-E004", f"YAML 嵌套过深（超过 {MAX_DEPTH} 层）", event, path)
        self.positions.values.setdefault(path, _mark(event))
        if isinstance(event, yaml.ScalarEvent):
            value: Any = self.scalar(event, path)
        elif isinstance(event, yaml.SequenceStartEvent):
            self.tag(event, "tag:yaml.org,2002:seq", path)
            value = []
            for item in iter(self.events.__next__, None):
                if isinstance(item, yaml.SequenceEndEvent):
                    break
                value.append(self.value(item, (*path, len(value))))
        else:
            assert isinstance(event, yaml.MappingStartEvent)
            self.tag(event, "tag:yaml.org,2002:map", path)
            value = self.mapping(path)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, self.weight - before)
        return value

    def tag(self, event: yaml.NodeEvent, default: str, path: Path) -> str:
        tag = getattr(event, "tag", None)
        if tag is None or tag == "!":
            return default
        if tag not in _STANDARD_TAGS:
            raise self.fail("BG-E006", f"不支持的 YAML 标签“{tag}”", event, path)
        return str(tag)

    def mapping(self, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_event in iter(self.events.__next__, None):
            if isinstance(key_event, yaml.MappingEndEvent):
                break
            if not isinstance(key_event, yaml.ScalarEvent):
                raise self.fail("BG-E006", "映射的键必须是简单文字", key_event, path)
            key = str(key_event.value)
            if key == "<<":
                raise self.fail("BG-E006", "不支持 YAML 合并键“<<”，请直接写出字段", key_event, path)
            child = (*path, key)
            if len(result) >= MAX_KEYS:
                raise self.fail("BG-E004", f"YAML 映射的键过多（超过 {MAX_KEYS} 个）", key_event, child)
            if key in result:
                first = self.positions.keys.get(child, (0, 0))
                raise self.fail("BG-E005", f"键“{key}”重复（第一次出现在第 {first[0]} 行）", key_event, child)
            self.positions.keys[child] = _mark(key_event)
            result[key] = self.value(next(self.events), child)
        return result

    def scalar(self, event: yaml.ScalarEvent, path: Path) -> Any:
        """Text as written; only a plain null, true or false becomes None or a boolean."""
        text = str(event.value)
        if event.tag is None or event.tag == "!":
            tag = _NULL_TAG if event.implicit[0] and text in _NULLS else ""
        else:
            tag = self.tag(event, "", path)
        if not event.style:
            if tag == _NULL_TAG:
                return None
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
        return text


# libyaml's problems in Chinese; anything else keeps libyaml's words after a Chinese lead.
_PROBLEMS = {
    "did not find expected key": "缺少键，或缩进没有对齐",
    "did not find expected ',' or ']'": "列表缺少“,”或“]”",
    "did not find expected ',' or '}'": "映射缺少“,”或“}”",
    "mapping values are not allowed here": "此处不能出现“: ”（值中的冒号请加引号，或检查缩进）",
    "could not find expected ':'": "缺少“:”",
    "found character '\\t' that cannot start any token": "不能用制表符（Tab）缩进，请用空格",
    "found character that cannot start any token": "此处有不能开始一个值的字符（请给值加引号）",
    "expected a single document in the stream": "文件中只能有一个 YAML 文档",
    "but found another document": "文件中只能有一个 YAML 文档",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合？）",
    "found unexpected ':'": "此处不能出现“:”",
    "did not find expected node content": "缺少值",
    "did not find expected '-' indicator": "列表项缺少“- ”，或缩进没有对齐",
    "found undefined alias": "使用了未定义的别名",
    "found unknown escape character": "引号中的转义字符无效",
    "did not find expected <document start>": "缩进或格式不对（此处不能开始新内容）",
    "block sequence entries are not allowed here": "此处不能出现列表项“- ”（检查缩进）",
    "found a tab character where an indentation space is expected": "不能用制表符（Tab）缩进，请用空格",
    "found a tab character that violates indentation": "不能用制表符（Tab）缩进，请用空格",
}


def translate(problem: str) -> str:
    """libyaml's problem text in Chinese where we know it."""
    for english, chinese in _PROBLEMS.items():
        if problem.startswith(english):
            return chinese
    return f"无法解析（{problem}）" if problem else "无法解析"


def read_yaml(data: bytes, file: str) -> tuple[Any, Positions]:
    """Parse YAML bytes into plain data (str, bool, None, list, dict) and their positions."""
    if len(data) > MAX_BYTES:
        raise InputError(
            [Diagnostic("BG-E004", f"文件过大（{len(data)} 字节，上限 {MAX_BYTES} 字节）", Location(file))]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        bad_column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise InputError(
            [Diagnostic("BG-E003", "文件不是 UTF-8 编码，请另存为 UTF-8", Location(file, bad_line, bad_column))]
        ) from None
    builder = _Builder(file, yaml.parse(text, Loader=_Loader))
    try:
        data = builder.document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line: int | None = mark.line + 1 if mark else None
        column: int | None = mark.column + 1 if mark else None
        problem = translate(exc.problem or exc.context or "")
        raise InputError([Diagnostic("BG-E002", f"YAML 语法错误：{problem}", Location(file, line, column))]) from None
    except yaml.reader.ReaderError as exc:
        bad = chr(exc.character) if isinstance(exc.character, int) else ""
        position = text.find(bad) if bad and bad in text else 0
        before = text[:position]
        where = Location(file, before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)
        message = (
            f"YAML 语法错误：文件含有不允许的控制字符 U+{ord(bad):04X}"
            if bad
            else "YAML 语法错误：文件含有不允许的字符"
        )
        raise InputError([Diagnostic("BG-E002", message, where)]) from None
    except yaml.YAMLError as exc:
        raise InputError([Diagnostic("BG-E002", f"YAML 语法错误：{exc}", Location(file))]) from None
    return data, builder.positions
