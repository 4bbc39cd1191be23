"""click's own words in Chinese: usage errors, help headings and option help.

click writes its messages through ``gettext`` bound in each of its modules; budgetgen's users read
Chinese, so a missing ``-o`` reads ``错误：缺少选项 '-o' / '--output'。`` rather than English. The table
maps click's message ids (English) to Chinese; anything not listed stays as click says it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

WORDS: dict[str, str] = {
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行 '{command} {option}' 查看帮助。",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Aborted!": "已中止。",
    "deprecated": "已弃用",
    "Options": "选项",
    "Positional arguments": "位置参数",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Commands": "命令",
    "Missing command.": "缺少命令。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值之一：{choices}。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "Usage:": "用法：",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Show the version and exit.": "显示版本并退出。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Did you mean {possibility}?": "是否应为 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否应为其中之一：{possibilities}？）",
}
USAGE_PIECES = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}
_MODULES = ("click.exceptions", "click.core", "click.parser", "click.types", "click.formatting", "click.decorators")


def gettext(message: str) -> str:
    """click's message in Chinese where the table has it."""
    return WORDS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message, in Chinese where the table has it."""
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Bind the Chinese table in click's modules (before any command is declared)."""
    import click

    for name in _MODULES:
        module = importlib.import_module(name)
        functions: dict[str, Callable[..., str]] = {"_": gettext, "ngettext": ngettext}
        for attribute, function in functions.items():
            if hasattr(module, attribute):
                setattr(module, attribute, function)
    for kind in (click.Command, click.Group):
        if "collect_usage_pieces" in vars(kind) and not hasattr(vars(kind)["collect_usage_pieces"], "chinese"):
            _translate_usage(kind)


def _translate_usage(kind: type) -> None:
    """``Usage: budgetgen [OPTIONS] COMMAND [ARGS]...`` with the placeholders in Chinese."""
    original = vars(kind)["collect_usage_pieces"]

    def collect_usage_pieces(self: object, ctx: object) -> list[str]:
        return [USAGE_PIECES.get(piece, piece) for piece in original(self, ctx)]

    collect_usage_pieces.chinese = True  # type: ignore[attr-defined]
    kind.collect_usage_pieces = collect_usage_pieces  # type: ignore[attr-defined]
