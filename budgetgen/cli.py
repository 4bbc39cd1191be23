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

from budgetgen import __version__, cli_words
from budgetgen.diagnostics import Diagnostic, InputError, Location
from budgetgen.files import OutputError
from budgetgen.interrupt import Interrupted, stop_on_signals
from budgetgen.profiles import DEFAULT_PROFILE
from budgetgen.render.paging import RenderWarning
from budgetgen.summary import summary_json, summary_text
from budgetgen.terminal import echo, visible

F = TypeVar("F", bound=Callable[..., Any])
cli_words.install()  # click's own words (usage errors, help headings) in Chinese

EXIT_INPUT = 2
EXIT_INTERNAL = 3


def report_errors(command: F) -> F:
    """Turn InputError and OutputError into located messages and exit 2, SIGTERM / SIGINT into one line
    and exit 143 / 130, anything unexpected into exit 3.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with stop_on_signals():
                return command(*args, **kwargs)
        except Interrupted as stop:
            click.echo(f"已中断（收到 {stop.name}）。", err=True)
            sys.exit(stop.exit_code)
        except OutputError as error:
            click.echo(str(error.diagnostic), err=True)
            click.echo("未写完的结果已删除，原有文件保持不变；请检查输出位置（权限、磁盘空间）后重试。", err=True)
            sys.exit(EXIT_INPUT)
        except InputError as error:
            as_json = kwargs.get("output_format") == "json"
            if as_json:
                payload = {"errors": [d.as_dict() for d in error.diagnostics]}
                echo(json.dumps(payload, ensure_ascii=False, indent=2), err=True, as_json=True)
            else:
                for diagnostic in error.diagnostics:
                    echo(str(diagnostic), err=True)
                click.echo(f"输入有误，共 {len(error.diagnostics)} 处，未生成任何结果。", err=True)
            sys.exit(EXIT_INPUT)
        except KeyboardInterrupt:
            click.echo("已中断（收到 SIGINT）。", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit, BrokenPipeError):
            raise  # a closed pipe (``| head``) is the reader's choice, not a bug: main() ends quietly
        except RenderWarning as warning:
            problem = Diagnostic("BG-E060", f"PDF 排版时出现问题：{warning}", Location("budgetgen"))
            echo(str(problem), err=True)
            click.echo("未生成任何结果；请检查上面提到的文字（可先运行 budgetgen check）。", err=True)
            sys.exit(EXIT_INPUT)
        except Exception as error:
            if os.environ.get("BUDGETGEN_DEBUG"):
                raise
            internal = Diagnostic("BG-E099", f"内部错误：{type(error).__name__}: {error}", Location("budgetgen"))
            echo(str(internal), err=True)
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
        "-o", "--output", "output_dir", type=click.Path(path_type=Path), required=True,
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


def catalog_option(command: F) -> F:
    """``--catalog FILE``: a local catalog (``code,name[,parent]``) instead of the ``catalog.csv`` beside the input.

    Passed through the environment so that every loader sees it, batch workers included; restored afterwards.
    """
    from budgetgen.catalogs.local import ENV_VAR

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        chosen = kwargs.pop("catalog_file", None)
        before = os.environ.get(ENV_VAR)
        if chosen is not None:
            os.environ[ENV_VAR] = str(Path(chosen).absolute())
        try:
            return command(*args, **kwargs)
        finally:
            if before is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = before

    option = click.option(
        "--catalog", "catalog_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="本地科目表 CSV（代码,名称[,上级代码]）；不填则使用输入旁的 catalog.csv（如有）。",
    )  # fmt: skip
    return option(wrapper)  # type: ignore[return-value]


quiet_option = click.option("-q", "--quiet", is_flag=True, help="不在终端显示进度。")

profile_option = click.option(
    "--profile", default=DEFAULT_PROFILE, show_default=True, help="样式：内置样式名，或样式文件夹的路径。"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="budgetgen")
def cli() -> None:
    """budgetgen：由一份预算输入生成部门（单位）预算公开材料。"""


@cli.command()
@input_argument
@profile_option
@format_option("text", "json")
@catalog_option
@report_errors
def summary(input_path: Path, profile: str, output_format: str) -> None:
    """显示预算的关键数字（万元）。IN 为 YAML 文件或含 budget.yaml 的文件夹。"""
    from budgetgen.run import Run

    ledger = Run.load(input_path, profile).ledger
    if output_format == "json":
        echo(summary_json(ledger), as_json=True)
    else:
        echo(summary_text(ledger))


@cli.command()
@input_argument
@output_dir_option("输出文件夹。")
@profile_option
@formats_options
@click.option("--draft", is_flag=True, help="草稿：每页加“草稿”水印、输入的摘要和日期。")
@click.option("--select", multiple=True, metavar="CODE", help="只运行这些规则（同 check）。")
@click.option("--ignore", multiple=True, metavar="CODE", help="不运行这些规则（同 check）。")
@click.option(
    "--engine",
    type=click.Choice(["weasyprint", "typst"]),
    default="weasyprint",
    show_default=True,
    help="PDF 排版引擎：weasyprint（默认）或 typst（更快）。",
)
@click.option("--verify", is_flag=True, help="写出前读回 Excel 和 PDF，核对每个金额都在应在的位置。")
@catalog_option
@quiet_option
@report_errors
def render(
    input_path: Path,
    output_dir: Path,
    profile: str,
    formats: tuple[str, ...],
    draft: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    engine: str = "weasyprint",
    verify: bool = False,
    quiet: bool = False,
) -> None:
    """生成预算公开材料：Excel 工作簿和 PDF（默认两者都生成）。"""
    from budgetgen.progress import Progress
    from budgetgen.render.verify import VerifyError
    from budgetgen.run import RefusedError, render_package

    select, ignore = _rule_codes("--select", select), _rule_codes("--ignore", ignore)
    progress = Progress(quiet)
    try:
        targets = render_package(
            input_path,
            output_dir,
            profile,
            set(formats) or {"xlsx", "pdf"},
            draft,
            select,
            ignore,
            progress,
            engine=engine,
            verify=verify,
        )
    except VerifyError as mismatch:
        for problem in mismatch.diagnostics:
            echo(str(problem), err=True)
        click.echo("核对未通过：生成的文件与预算数据不一致，未写出任何文件；这是 budgetgen 的缺陷，请报告。", err=True)
        sys.exit(EXIT_INTERNAL)
    except RefusedError as refused:
        for finding in refused.findings:
            echo(str(finding), err=True)
        click.echo(f"输入有 {len(refused.findings)} 个错误，未生成公开材料；用 --draft 可生成带水印的草稿。", err=True)
        sys.exit(1)
    for target in targets:
        echo(str(target))
    progress.done(targets)


@cli.command()
@click.argument("inputs", metavar="IN...", nargs=-1, type=click.Path(path_type=Path))
@profile_option
@format_option("text", "json", "junit", "github")
@click.option("--strict", is_flag=True, help="警告也算失败（退出码 1）。")
@click.option("--select", multiple=True, metavar="CODE", help="只运行这些规则（不区分大小写，可用逗号分隔）。")
@click.option("--ignore", multiple=True, metavar="CODE", help="不运行这些规则（不区分大小写，可用逗号分隔）。")
@click.option("--list-rules", is_flag=True, help="列出全部规则。")
@catalog_option
@click.option(
    "--annotate",
    metavar="OUT.xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存一份输入工作簿：每个问题批注在其单元格上并标色，首页“检查结果”列出全部问题（输入文件不变）。",
)
@quiet_option
@report_errors
def check(
    inputs: tuple[Path, ...],
    profile: str,
    output_format: str,
    strict: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    list_rules: bool,
    annotate: Path | None = None,
    quiet: bool = False,
) -> None:
    """检查预算输入：勾稽关系、控制数、绩效目标、科目和文字说明。

    退出码 0 通过，1 有问题，2 有输入无法读取。可同时检查多个输入。
    """
    from budgetgen.checks import has_errors, rule_catalog
    from budgetgen.checks.report import as_github, as_json, as_junit, as_text
    from budgetgen.run import Run

    select, ignore = _rule_codes("--select", select), _rule_codes("--ignore", ignore)
    if list_rules:
        from budgetgen.checks.rules_zh import description
        from budgetgen.diagnostics import SEVERITY_ZH

        for info in rule_catalog():
            click.echo(f"{info.code}  {SEVERITY_ZH[info.severity]}  {info.title}：{description(info.code, info.title)}")
        return
    if not inputs:
        raise click.UsageError("缺少输入 IN")
    findings = []
    unreadable: list[Diagnostic] = []
    if annotate is not None:
        from budgetgen.checks.annotate import annotate_workbook
        from budgetgen.io.load import read_bytes, resolve

        if len(inputs) != 1 or resolve(inputs[0]).suffix.lower() != ".xlsx":
            raise click.UsageError("--annotate 只能用于一个 Excel 输入工作簿（.xlsx）")
        if annotate.resolve() == resolve(inputs[0]).resolve():
            raise click.UsageError("--annotate 的输出不能是输入工作簿本身（输入文件不会被修改）")
    from budgetgen.progress import Progress

    progress = Progress(quiet)
    for path in inputs:
        progress(f"检查 {path}")
        try:
            # lenient: the rules run whenever the model is whole
            run = Run.load(path, profile, select=select, ignore=ignore, lenient=True)
            unreadable += run.loaded.problems
            findings += run.findings
        except InputError as error:
            unreadable += error.diagnostics
    if annotate is not None:
        from budgetgen.files import write_atomic

        file = resolve(inputs[0])
        if not any(d.location.file == str(file) and d.location.cell is None for d in unreadable):
            progress("写入批注工作簿")
            write_atomic(annotate, annotate_workbook(read_bytes(file), [*unreadable, *findings]))
            if not progress.shown:
                click.echo(f"已生成 {annotate}", err=True)
            progress.done([annotate])
    if output_format == "json":
        echo(as_json([*unreadable, *findings]), as_json=True)
    elif output_format == "junit":
        echo(as_junit([*unreadable, *findings], rule_catalog(), " ".join(str(p) for p in inputs)))
    elif output_format == "github":
        if unreadable or findings:
            echo(as_github([*unreadable, *findings]))
    else:
        echo(as_text([*unreadable, *findings]))
    if unreadable:
        sys.exit(EXIT_INPUT)
    sys.exit(1 if has_errors(findings, strict) else 0)


def _rule_codes(option: str, codes: tuple[str, ...]) -> tuple[str, ...]:
    """Rule codes as registered; a mistyped one is a usage error (exit 2), never a rule silently not run."""
    from budgetgen.checks.registry import UnknownRuleCode, resolve_codes

    try:
        return resolve_codes(codes)
    except UnknownRuleCode as unknown:
        raise click.UsageError(visible(f"{option}：{unknown.message()}")) from None


@cli.command(name="diff")
@click.argument("first", metavar="A", type=click.Path(path_type=Path))
@click.argument("second", metavar="B", type=click.Path(path_type=Path))
@profile_option
@format_option("text", "json")
@catalog_option
@report_errors
def diff_command(first: Path, second: Path, profile: str, output_format: str) -> None:
    """比较两份预算（两稿或两年）：输入、关键数字、表格和说明文字逐项列出差异。"""
    from budgetgen.diff import diff, diff_json, diff_text
    from budgetgen.run import Run

    changes = diff(Run.load(first, profile).context, Run.load(second, profile).context)
    if output_format == "json":
        echo(diff_json(changes), as_json=True)
    else:
        echo(diff_text(changes))


@cli.command()
@click.argument("output", metavar="OUT.xlsx", type=click.Path(path_type=Path))
@click.option(
    "--from", "source", metavar="IN", type=click.Path(path_type=Path), help="用已有预算（YAML 或 xlsx）填好模板。"
)
@click.option("--year", type=int, default=None, help="空模板的预算年度（用该年或之前最近一年的科目表；默认最新）。")
@catalog_option
@quiet_option
@report_errors
def template(output: Path, source: Path | None, year: int | None, quiet: bool = False) -> None:
    """生成 Excel 输入模板（下拉列表、填表说明、受保护的表头）。"""
    from budgetgen.catalogs import available_years
    from budgetgen.catalogs.local import ENV_VAR as local_env
    from budgetgen.catalogs.local import read_local
    from budgetgen.catalogs.lookup import fallback_note, require_catalog
    from budgetgen.files import write_atomic
    from budgetgen.io.load import load_budget
    from budgetgen.io.template import render_template
    from budgetgen.package.previews import text_previews
    from budgetgen.progress import Progress

    progress = Progress(quiet)
    if source is not None:
        progress("读取输入")
        loaded = load_budget(source)
        progress("填写模板")
        data = render_template(loaded.catalog, loaded.budget, previews=text_previews(loaded.budget, loaded.catalog))
    else:
        progress("生成空模板")
        chosen = year or available_years()[-1]
        catalog = require_catalog(chosen, "--year")
        note = fallback_note(chosen, catalog, "--year")
        if note is not None:
            echo(str(note), err=True)
        if os.environ.get(local_env):
            catalog = read_local(Path(os.environ[local_env]), catalog)
        data = render_template(catalog, year=year)  # 预算年度 filled in only when asked for
    progress("写入文件")
    write_atomic(output, data)
    echo(str(output))
    progress.done([output])


@cli.command(name="import")
@click.argument("source", metavar="IN.xlsx", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="输出的 YAML 文件（默认输出到屏幕）。")
@catalog_option
@report_errors
def import_command(source: Path, output: Path | None) -> None:
    """把填好的 Excel 输入表转换为 YAML（无损）。"""
    from budgetgen.files import write_atomic
    from budgetgen.io.load import load_budget
    from budgetgen.io.yaml_writer import budget_yaml

    loaded = load_budget(source)
    text = budget_yaml(loaded.budget, source.name)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        echo(str(output))


@cli.command()
@click.argument("inputs", metavar="IN...", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_dir_option("输出文件夹（每个单位一个子文件夹，另有 manifest.json）。")
@profile_option
@click.option("--jobs", type=click.IntRange(1, 256), default=None, help="并行进程数（默认：CPU 核数）。")
@click.option("--shard", "shard_text", metavar="I/N", default=None, help="只处理第 I 片（共 N 片），供多台机器分担。")
@formats_options
@click.option("--draft", is_flag=True, help="草稿：有错误也生成，带水印。")
@catalog_option
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
    from budgetgen.batch import run_batch
    from budgetgen.batch_merge import merge

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

    try:
        result = run_batch(
            inputs, output_dir, profile, set(formats) or {"xlsx", "pdf"}, draft, jobs, shard_spec, progress
        )
    except Interrupted as stop:
        start = "\n" if interactive else ""
        message = f"已中断（收到 {stop.name}）：已完成的单位已记入 manifest.json，重新运行同一命令即可继续。"
        click.echo(start + message, err=True)
        sys.exit(stop.exit_code)
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
    unwritable = [e for e in result.entries.values() if e["status"] == "unwritable"]
    if result.failed:
        sys.exit(EXIT_INPUT if unwritable or not readable else 1)


@cli.command(name="new-year")
@input_argument
@click.option(
    "-o", "--output", "output", type=click.Path(path_type=Path), required=True,
    help="输出文件夹（或 .yaml / .xlsx 文件，与输入同类）。",
)  # fmt: skip
@click.option("--year", type=int, default=None, help="新的预算年度（默认下一年）。")
@click.option("--force", is_flag=True, help="输出文件已存在时覆盖它。")
@profile_option
@catalog_option
@report_errors
def new_year(input_path: Path, output: Path, year: int | None, force: bool, profile: str) -> None:
    """由本年预算生成下一年预算的起点：本年数变为上年数，文字标记【待复核】，改代码的科目自动调整。"""
    from budgetgen.newyear import write_new_year
    from budgetgen.run import Run

    target, notes = write_new_year(Run.load(input_path, profile).context, output, year, force)
    for note in notes:
        click.echo(str(note), err=True)
    click.echo(str(target))


@cli.group()
def catalog() -> None:
    """科目表：查看某个科目、比较两个年度的科目表。"""


@catalog.command(name="diff")
@click.argument("first", metavar="YEAR_A", type=int)
@click.argument("second", metavar="YEAR_B", type=int)
@report_errors
def catalog_diff(first: int, second: int) -> None:
    """列出两个年度科目表之间的变化（新增、改名、删除、改代码），每条附依据。"""
    from budgetgen.catalogs.lookup import diff_lines

    click.echo("\n".join(diff_lines(first, second)))


@catalog.command(name="show")
@click.argument("code", metavar="CODE")
@click.option("--year", type=int, default=None, help="哪一年的科目表（默认最新）。")
@catalog_option
@report_errors
def catalog_show(code: str, year: int | None) -> None:
    """显示一个科目：名称、上级、说明，以及它在各年度的变化。"""
    from budgetgen.catalogs.local import ENV_VAR
    from budgetgen.catalogs.lookup import show_lines

    local = os.environ.get(ENV_VAR)
    click.echo("\n".join(show_lines(code, year, Path(local) if local else None)))


@cli.group(invoke_without_command=True)
@click.pass_context
@report_errors
def profiles(ctx: click.Context) -> None:
    """列出可用的样式（templates/ 下的文件夹），每行一个：名称和说明。

    `budgetgen profiles copy NAME DIR` 把内置样式复制到 DIR 供修改，再用 --profile DIR 生成。
    """
    from budgetgen.profiles import available_profiles, load_profile

    if ctx.invoked_subcommand is not None:
        return
    for name in available_profiles():
        settings = load_profile(name)
        marker = "（默认）" if name == DEFAULT_PROFILE else ""
        echo(f"{name}  {settings.description or settings.title}{marker}")


@profiles.command(name="copy")
@click.argument("name", metavar="NAME")
@click.argument("target", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@report_errors
def profiles_copy(name: str, target: Path) -> None:
    """把内置样式 NAME 复制到文件夹 DIR，供修改；用 --profile DIR 使用它。"""
    from budgetgen.profiles import copy_profile

    for path in copy_profile(name, target):
        click.echo(str(path))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；非本机地址必须设置访问口令。")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="端口。")
@click.option("--token", default=None, envvar="BUDGETGEN_TOKEN", help="访问口令（也可用环境变量 BUDGETGEN_TOKEN）。")
@click.option(
    "--token-file", type=click.Path(dir_okay=False, path_type=Path), default=None, help="从文件读取访问口令（第一行）。"
)
@click.option(
    "--workdir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="存放上传文件的文件夹（默认：一个临时文件夹，退出时删除）。",
)  # fmt: skip
@click.option("--expiry", type=click.IntRange(10, None), default=1800, show_default=True, help="上传文件保留的秒数。")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="同时生成的份数。")
def serve(
    host: str, port: int, token: str | None, token_file: Path | None, workdir: Path | None, expiry: int, workers: int
) -> None:
    """启动网页：会计人员在浏览器中下载输入表、上传检查、预览并下载公开材料。"""
    from budgetgen.serve.run import serve_forever
    from budgetgen.serve.settings import ServeSettings, UnsafeStart

    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, UnicodeError, IndexError):
            message = "无法读取口令文件（应为文本文件，第一行是口令）"
            raise click.BadParameter(message, param_hint="--token-file") from None
    try:
        ServeSettings(Path("."), host, port, token)
    except UnsafeStart as refused:
        click.echo(f"未启动：{refused}", err=True)
        sys.exit(EXIT_INPUT)
    serve_forever(host, port, token, workdir, float(expiry), workers)


@cli.command()
def schema() -> None:
    """输出输入格式的 JSON Schema（供编辑器校验和补全）。"""
    from budgetgen.schema import input_schema_json

    click.echo(input_schema_json(), nl=False)


def main() -> None:
    """Console entry point; a reader that closes the pipe early (``| head``) ends the output quietly."""
    try:
        cli(prog_name="budgetgen")
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # Python flushes stdout at exit: let it go nowhere
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, as a shell reports a command whose reader went away
