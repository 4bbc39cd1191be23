"""Read YAML into plain data plus a map from field paths to file positions.

PyYAML composes the node tree (which keeps line and column of every node); we turn nodes into
dicts, lists and strings ourselves. That gives four things a budget input needs: positions for
every error, duplicate keys rejected, bounded alias expansion (no "billion laughs"), and scalars
kept as the text the user wrote, so ``0.16`` reaches ``Decimal`` exactly and ``0801`` stays a code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from budgetgen.diagnostics import Diagnostic, InputError, Location, Path

MAX_BYTES = 20 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 64

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


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions = Positions()
        self.weight = 0  # nodes converted, aliases counted with everything they expand to
        # an anchored node seen again is an alias: reuse its value, count what it stands for
        self.memo: dict[int, tuple[Any, int]] = {}

    def fail(self, code: str, message: str, node: yaml.Node, path: Path) -> InputError:
        line, column = _mark(node)
        return InputError([Diagnostic(code, message, Location(self.file, line, column, path=path))])

    def convert(self, node: yaml.Node, path: Path) -> Any:
        known = self.memo.get(id(node))
        if known is not None:  # an alias: the value once more, counted with all it expands to
            value, size = known
            self.weight += size
            if self.weight > MAX_NODES:
                raise self.fail("BG-E004", f"YAML 别名展开过多（超过 {MAX_NODES} 个节点，可能是别名炸弹）", node, path)
            return value
        before = self.weight
        self.weight += 1
        if self.weight > MAX_NODES:
            raise self.fail("BG-E004", f"YAML 节点过多（超过 {MAX_NODES} 个）", node, path)
        value = self._convert(node, path)
        if not isinstance(node, yaml.ScalarNode):
            self.memo[id(node)] = (value, self.weight - before)
        return value

    def _convert(self, node: yaml.Node, path: Path) -> Any:
        if len(path) > MAX_DEPTH:
            raise self.fail("BG-E004", f"YAML 嵌套过深（超过 {MAX_DEPTH} 层）", node, path)
        if node.tag not in _STANDARD_TAGS:
            raise self.fail("BG-E006", f"不支持的 YAML 标签“{node.tag}”", node, path)
        self.positions.values.setdefault(path, _mark(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail("BG-E006", "映射的键必须是简单文字", key_node, path)
            key = str(key_node.value)
            if key == "<<":
                raise self.fail("BG-E006", "不支持 YAML 合并键“<<”，请直接写出字段", key_node, path)
            child = (*path, key)
            if key in result:
                first = self.positions.keys.get(child, (0, 0))
                raise self.fail("BG-E005", f"键“{key}”重复（第一次出现在第 {first[0]} 行）", key_node, child)
            self.positions.keys[child] = _mark(key_node)
            result[key] = self.convert(value_node, child)
        return result

    @staticmethod
    def scalar(node: yaml.ScalarNode) -> Any:
        text = str(node.value)
        if node.style is None or node.style == "":
            lowered = text.lower()
            if node.tag == "tag:yaml.org,2002:null":
                return None
            if lowered in ("true", "false"):
                return lowered == "true"
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
    try:
        node = yaml.compose(text, Loader=_Loader)
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
    if node is None:
        return None, Positions()
    converter = _Converter(file)
    return converter.convert(node, ()), converter.positions
