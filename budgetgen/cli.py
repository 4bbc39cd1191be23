"""The command line: thin wrappers over the library, and the one place where errors become exit codes.

Exit codes: 0 success, 1 findings (``check``), 2 unreadable or invalid input, 3 internal error.
A user never sees a traceback unless ``BUDGETGEN_DEBUG=1`` asks for one.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from budgetgen import __version__
from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.pipeline import load_ledger
from budgetgen.profiles import DEFAULT_PROFILE
from budgetgen.render.pdf import RenderWarning
from budgetgen.summary import summary_json, summary_text

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INPUT = 2
EXIT_INTERNAL = 3


def report_errors(command: F) -> F:
    """Turn InputError into located messages and exit 2, anything unexpected into exit 3."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            as_json = kwargs.get("output_format") == "json"
            if as_json:
                payload = {"errors": [d.as_dict() for d in error.diagnostics]}
                click.echo(json.dumps(payload, ensure_ascii=False, indent=2), err=True)
            else:
                for diagnostic in error.diagnostics:
                    click.echo(str(diagnostic), err=True)
                click.echo(f"输入有误，共 {len(error.diagnostics)} 处，未生成任何结果。", err=True)
            sys.exit(EXIT_INPUT)
        except (click.exceptions.Exit, click.ClickException, SystemExit, KeyboardInterrupt):
            raise
        except RenderWarning as warning:
            problem = Diagnostic("BG-E060", f"PDF 排版时出现问题：{warning}", Location("budgetgen"))
            click.echo(str(problem), err=True)
            click.echo("未生成任何结果；请检查上面提到的文字（可先运行 budgetgen check）。", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as error:
            if os.environ.get("BUDGETGEN_DEBUG"):
                raise
            internal = Diagnostic("BG-E099", f"内部错误：{type(error).__name__}: {error}", Location("budgetgen"))
            click.echo(str(internal), err=True)
            click.echo("这是 budgetgen 的缺陷，请报告；设置 BUDGETGEN_DEBUG=1 可查看详细信息。", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


input_argument = click.argument("input_path", metavar="IN", type=click.Path(path_type=Path))


def format_option(*choices: str) -> Callable[[F], F]:
    """The ``--format`` option shared by every command that prints for people or for machines."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help="输出格式。",
    )


def output_dir_option(help_text: str) -> Callable[[F], F]:
    """``-o/--output``: the folder outputs are written to."""
    return click.option(
        "-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
        help=help_text,
    )  # fmt: skip


def formats_options(command: F) -> F:
    """``--xlsx`` / ``--pdf`` / ``--html``: which outputs to write (none given: the default set)."""
    for flag, help_text in (
        ("html", "输出 HTML（供浏览器查看）。"),
        ("pdf", "输出 PDF。"),
        ("xlsx", "输出 Excel 工作簿。"),
    ):
        command = click.option(f"--{flag}", "formats", flag_value=flag, multiple=True, help=help_text)(command)
    return command


profile_option = click.option(
    "--profile", default=DEFAULT_PROFILE, show_default=True, help="样式（templates/ 下的文件夹名）。"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetgen")
def cli() -> None:
    """budgetgen：由一份预算输入生成部门（单位）预算公开材料。"""


@cli.command()
@input_argument
@profile_option
@format_option("text", "json")
@report_errors
def summary(input_path: Path, profile: str, output_format: str) -> None:
    """显示预算的关键数字（万元）。IN 为 YAML 文件或含 budget.yaml 的文件夹。"""
    ledger = load_ledger(input_path, profile)
    click.echo(summary_json(ledger) if output_format == "json" else summary_text(ledger))


@cli.command()
@input_argument
@output_dir_option("输出文件夹。")
@profile_option
@formats_options
@click.option("--draft", is_flag=True, help="草稿：每页加“草稿”水印、输入的摘要和日期。")
@click.option(
    "--engine",
    type=click.Choice(["weasyprint", "typst"]),
    default="weasyprint",
    show_default=True,
    help="PDF 排版引擎：weasyprint（默认）或 typst（更快）。",
)
@click.option("--verify", is_flag=True, help="写出后读回 Excel 和 PDF，核对每个金额都在应在的位置。")
@report_errors
def render(
    input_path: Path, output_dir: Path, profile: str, formats: tuple[str, ...], draft: bool, engine: str, verify: bool
) -> None:
    """生成预算公开材料：Excel 工作簿和 PDF（默认两者都生成）。"""
    from budgetgen.render.package import RefusedError, render_package
    from budgetgen.render.verify import VerifyError

    try:
        targets = render_package(
            input_path, output_dir, profile, set(formats) or {"xlsx", "pdf"}, draft, engine=engine, verify=verify
        )
    except VerifyError as mismatch:
        for problem in mismatch.diagnostics:
            click.echo(str(problem), err=True)
        click.echo("核对未通过：写出的文件与预算数据不一致，已删除这些文件；这是 budgetgen 的缺陷，请报告。", err=True)
        sys.exit(EXIT_INTERNAL)
    except RefusedError as refused:
        for finding in refused.findings:
            click.echo(str(finding), err=True)
        click.echo(f"输入有 {len(refused.findings)} 个错误，未生成公开材料；用 --draft 可生成带水印的草稿。", err=True)
        sys.exit(1)
    for target in targets:
        click.echo(str(target))


@cli.command()
@click.argument("inputs", metavar="IN...", nargs=-1, type=click.Path(path_type=Path))
@profile_option
@format_option("text", "json", "junit", "github")
@click.option("--strict", is_flag=True, help="警告也算失败（退出码 1）。")
@click.option("--select", multiple=True, metavar="CODE", help="只运行这些规则。")
@click.option("--ignore", multiple=True, metavar="CODE", help="不运行这些规则。")
@click.option("--list-rules", is_flag=True, help="列出全部规则。")
@report_errors
def check(
    inputs: tuple[Path, ...],
    profile: str,
    output_format: str,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    list_rules: bool,
) -> None:
    """检查预算输入：勾稽关系、控制数、绩效目标、科目和文字说明。

    退出码 0 通过，1 有问题，2 有输入无法读取。可同时检查多个输入。
    """
    from budgetgen.checks import has_errors, rule_catalog, run_checks
    from budgetgen.checks.report import as_github, as_json, as_junit, as_text
    from budgetgen.pipeline import load_context

    if list_rules:
        for info in rule_catalog():
            click.echo(f"{info.code}  {info.severity.value:<7}  {info.title}  — {info.description}")
        return
    if not inputs:
        raise click.UsageError("缺少输入 IN")
    findings = []
    unreadable: list[Diagnostic] = []
    for path in inputs:
        try:
            findings += run_checks(load_context(path, profile), select, ignore)
        except InputError as error:
            unreadable += error.diagnostics
    if output_format == "json":
        click.echo(as_json([*unreadable, *findings]))
    elif output_format == "junit":
        click.echo(as_junit([*unreadable, *findings], rule_catalog(), " ".join(str(p) for p in inputs)))
    elif output_format == "github":
        if unreadable or findings:
            click.echo(as_github([*unreadable, *findings]))
    else:
        click.echo(as_text([*unreadable, *findings]))
    if unreadable:
        sys.exit(EXIT_INPUT)
    sys.exit(1 if has_errors(findings, strict) else 0)


@cli.command(name="diff")
@click.argument("first", metavar="A", type=click.Path(path_type=Path))
@click.argument("second", metavar="B", type=click.Path(path_type=Path))
@profile_option
@format_option("text", "json")
@report_errors
def diff_command(first: Path, second: Path, profile: str, output_format: str) -> None:
    """比较两份预算（两稿或两年）：输入、关键数字、表格和说明文字逐项列出差异。"""
    from budgetgen.diff import diff, diff_json, diff_text
    from budgetgen.pipeline import load_context

    changes = diff(load_context(first, profile), load_context(second, profile))
    click.echo(diff_json(changes) if output_format == "json" else diff_text(changes))


@cli.command()
@click.argument("output", metavar="OUT.xlsx", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--from", "source", metavar="IN", type=click.Path(path_type=Path), help="用已有预算（YAML 或 xlsx）填好模板。"
)
@click.option("--year", type=int, default=None, help="空模板使用哪一年的科目表（默认最新）。")
@report_errors
def template(output: Path, source: Path | None, year: int | None) -> None:
    """生成 Excel 输入模板（下拉列表、填表说明、受保护的表头）。"""
    from budgetgen.catalogs import available_years, load_catalog
    from budgetgen.io.load import load_budget
    from budgetgen.io.template import render_template
    from budgetgen.render.files import write_atomic

    if source is not None:
        loaded = load_budget(source)
        data = render_template(loaded.catalog, loaded.budget)
    else:
        data = render_template(load_catalog(year or available_years()[-1]))
    write_atomic(output, data)
    click.echo(str(output))


@cli.command(name="import")
@click.argument("source", metavar="IN.xlsx", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出的 YAML 文件（默认输出到屏幕）。"
)
@report_errors
def import_command(source: Path, output: Path | None) -> None:
    """把填好的 Excel 输入表转换为 YAML（无损）。"""
    from budgetgen.io.load import load_budget
    from budgetgen.io.yaml_writer import budget_yaml
    from budgetgen.render.files import write_atomic

    loaded = load_budget(source)
    text = budget_yaml(loaded.budget, source.name)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        click.echo(str(output))


@cli.command()
@click.argument("inputs", metavar="IN...", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_dir_option("输出文件夹（每个单位一个子文件夹，另有 manifest.json）。")
@profile_option
@click.option("--jobs", type=click.IntRange(1, 256), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--shard", "shard_text", metavar="I/N", default=None, help="只处理第 I 片（共 N 片），供多台机器分担。")
@formats_options
@click.option("--draft", is_flag=True, help="草稿：有错误也生成，带水印。")
@report_errors
def batch(
    inputs: tuple[Path, ...],
    output_dir: Path,
    profile: str,
    jobs: int | None,
    shard_text: str | None,
    formats: tuple[str, ...],
    draft: bool,
) -> None:
    """批量生成：一个部门或一个县的全部单位，多进程、可续跑、可分片。

    IN 为输入文件或文件夹；部门输入按单位拆分，并另出部门汇总。
    `budgetgen batch merge OUT1 OUT2 ... -o OUT` 合并各分片的结果。
    """
    from budgetgen.batch import merge, run_batch

    if inputs[0].as_posix() == "merge":
        problems = merge(list(inputs[1:]), output_dir)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            sys.exit(1)
        click.echo(str(output_dir / "manifest.json"))
        return
    shard_spec = None
    if shard_text is not None:
        match = re.fullmatch(r"(\d+)/(\d+)", shard_text)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise click.BadParameter("应为 I/N，且 1 ≤ I ≤ N，例如 2/4", param_hint="--shard")
        shard_spec = (int(match[1]), int(match[2]))
    interactive = sys.stderr.isatty()
    started = time.monotonic()
    failures = 0

    def progress(entry: Any, done: int, total: int) -> None:
        """A live line on a terminal (done, failures, rate, time left); plain log lines in CI."""
        nonlocal failures
        failures += entry.status != "ok"
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = done / elapsed * 60
        left = (total - done) / (done / elapsed)
        if interactive:
            line = f"\r[{done}/{total}] 失败 {failures}  {rate:.1f} 项/分钟  剩余约 {left:.0f} 秒"
            click.echo(line.ljust(60), nl=done == total, err=True)
            if entry.status != "ok":
                click.echo(f"\n{entry.key} 失败：" + "\n".join(entry.errors[:3]), err=True)
            return
        mark = "完成" if entry.status == "ok" else "失败"
        click.echo(f"[{done}/{total}] {entry.key} {mark} {entry.seconds:.1f}s", err=True)
        for error in entry.errors[:3]:
            click.echo(f"    {error}", err=True)

    from budgetgen.batch import Interrupted

    try:
        result = run_batch(
            inputs, output_dir, profile, set(formats) or {"xlsx", "pdf"}, draft, jobs, shard_spec, progress
        )
    except Interrupted:
        click.echo("\n已中断：已完成的单位保留，重新运行同一命令即可继续。", err=True)
        sys.exit(143)
    for entry in result.entries.values():
        if entry["status"] == "unreadable" and entry["key"] not in result.rendered:
            click.echo(f"无法读取 {entry['source']}：", err=True)
            for error in entry["errors"][:5]:
                click.echo(f"    {error}", err=True)
    total = len(result.entries)
    click.echo(
        f"共 {total} 项：本次生成 {len(result.rendered)}，跳过未变化 {len(result.skipped)}，失败 {len(result.failed)}。"
    )
    readable = [e for e in result.entries.values() if e["status"] != "unreadable"]
    if result.failed:
        sys.exit(EXIT_INPUT if not readable else 1)


@cli.command()
@report_errors
def profiles() -> None:
    """列出可用的样式（templates/ 下的文件夹），每行一个：名称和说明。"""
    from budgetgen.profiles import available_profiles, load_profile

    for name in available_profiles():
        settings = load_profile(name)
        marker = "（默认）" if name == DEFAULT_PROFILE else ""
        click.echo(f"{name}  {settings.description or settings.title}{marker}")


@cli.command()
def schema() -> None:
    """输出输入格式的 JSON Schema（供编辑器校验和补全）。"""
    from budgetgen.schema import input_schema_json

    click.echo(input_schema_json(), nl=False)


def main() -> None:
    """Console entry point."""
    cli(prog_name="budgetgen")
