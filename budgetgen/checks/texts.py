"""Text rules: every comparison has its reason, no 【待填写】 marker is left, last year's figures exist."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from budgetgen.checks.context import CheckContext
from budgetgen.checks.registry import Finding, rule
from budgetgen.diagnostics import Severity
from budgetgen.ledger.aggregates import running_cost_units
from budgetgen.package.model import Section
from budgetgen.package.words import merged_texts

THREE_PUBLIC_ITEMS = ("reception", "vehicles", "overseas")


def _texts_path(ctx: CheckContext, label: str | None = None) -> tuple[str | int, ...]:
    """Where a sentence of 文字说明 is (or belongs): the text's own cell when the label names one."""
    from budgetgen.io.workbook_layout import TEXT_FIELDS

    target = TEXT_FIELDS.get(label or "")
    if target is None and label and label.endswith("的主要用途"):
        code = label.split()[0]
        return ("units", 0, "texts", "function_purposes", code)
    return ("units", 0, "texts", *target.split(".")) if target else ("units", 0, "texts")


def text_label(field: str) -> str:
    """The 文字说明 label (内容) of a ``texts`` field, e.g. ``three_public.reception_reason``."""
    from budgetgen.io.workbook_layout import TEXT_FIELDS

    return next((label for label, target in TEXT_FIELDS.items() if target == field), field)


@rule(
    "BG-C140", Severity.ERROR, "“三公”经费变化未说明原因", "a “三公” item changed on last year without a stated reason"
)
def three_public_change_has_reason(ctx: CheckContext) -> Iterator[Finding]:
    """A “三公” item that rises or falls needs its reason in the text."""
    facts = ctx.text_facts
    reasons = merged_texts(ctx.ledger).three_public
    names = ctx.ledger.settings.three_public_names
    for key in THREE_PUBLIC_ITEMS:
        change = facts.three_public_changes[key]
        if change.known and change.direction != "持平" and not getattr(reasons, f"{key}_reason"):
            label = text_label(f"three_public.{key}_reason")
            yield Finding(
                f"{getattr(names, key)}比上年{change.direction}，请在文字说明“{label}”中说明原因",
                _texts_path(ctx, label),
            )


def _markers(sections: tuple[Section, ...]) -> Iterator[str]:
    for section in sections:
        for paragraph in section.paragraphs:
            yield from paragraph.missing
        yield from _markers(section.children)


@rule("BG-C141", Severity.ERROR, "说明中有待填写内容", "the generated text still has a 【待填写】 marker")
def no_missing_text(ctx: CheckContext) -> Iterator[Finding]:
    """Every sentence the unit must write is written (the text shows 【待填写：…】 where it is not)."""
    covered = {f"{getattr(ctx.ledger.settings.three_public_names, k)}变化原因" for k in THREE_PUBLIC_ITEMS}
    for label in dict.fromkeys(_markers(ctx.document.parts)):
        if label not in covered:
            yield Finding(f"说明中仍有【待填写：{label}】", _texts_path(ctx, label))


@rule("BG-C150", Severity.WARNING, "缺少上年数", "last year's figures needed for the comparisons are missing")
def last_year_present(ctx: CheckContext) -> Iterator[Finding]:
    """The text compares with last year: 收支总数, “三公” and (for 行政/参公 units) 机关运行经费."""
    running = running_cost_units(ctx.ledger)  # the same units BG-C122 and the figures count
    for u, unit in enumerate(ctx.ledger.budget.units):
        last = unit.last_year
        missing = []
        if last.total is None:
            missing.append("上年收支预算总数")
        if last.three_public is None:
            missing.append("上年“三公”经费")
        if unit.code in running and last.running_cost is None:
            missing.append(f"上年{ctx.ledger.settings.running_cost.name}")
        if missing:
            yield Finding(f"单位 {unit.code} 缺少上年数：{'、'.join(missing)}", ("units", u, "last_year"))


def _strings(value: object, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, (*path, key)) if isinstance(key, str) and not key.isdigit() else iter(())
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


@rule(
    "BG-C160",
    Severity.ERROR,
    "字体无法显示的字符",
    "text with characters the PDF font cannot draw (emoji, rare characters)",
)
def characters_in_font(ctx: CheckContext) -> Iterator[Finding]:
    """Every character of the input's text must exist in the PDF's font, or the PDF shows empty boxes."""
    from budgetgen.fonts import font_coverage, undrawable

    coverage = font_coverage(ctx.ledger.settings.pdf_font)
    if coverage is None:
        return
    data = ctx.loaded.budget.model_dump(mode="json")
    used = set(json.dumps(data, ensure_ascii=False))  # every character once, at C speed (an 8 MB input: 0.2 s)
    missing = set(undrawable("".join(sorted(used)), coverage))
    if not missing:
        return
    for path, text in _strings(data, ()):
        if missing.isdisjoint(text):
            continue
        bad = undrawable(text, coverage)
        listed = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in bad[:5])
        yield Finding(
            f"字体“{ctx.ledger.settings.pdf_font}”中没有这些字符：{listed}，PDF 中会显示为空框；请改用常用字", path
        )


_ROUGH = (
    (re.compile(r"([。，、；：！？])\1|[，、；：][。！？]|[。！？][，、；：]"), "标点重复"),
    (re.compile(r"([\u4e00-\u9fff]{2,6})\1"), "词语重复"),
    # 【待填写】 is BG-C141's and 【待复核】 BG-C181's: one finding per fact
    (re.compile(r"20[*＊xX×]{2}|[xX×]{2,}|[*＊]{2,}|【(?!待填写|待复核)[^】]{0,20}】|[(（]\s*[)）]"), "未填的占位符"),
)


def _paragraphs(sections: tuple[Section, ...]) -> Iterator[str]:
    for section in sections:
        for paragraph in section.paragraphs:
            yield paragraph.text
        yield from _paragraphs(section.children)


def _source_of(ctx: CheckContext, *snippets: str) -> tuple[str | int, ...]:
    """The unit text a snippet of the generated text comes from (else where the texts are)."""
    for snippet in snippets:
        core = snippet.strip("。，、；：！？")
        for u, unit in enumerate(ctx.ledger.budget.units):
            for path, text in _strings(unit.texts.model_dump(mode="json"), ("units", u, "texts")):
                if core and core in text:
                    return path
    return _texts_path(ctx)


@rule(
    "BG-C142",
    Severity.ERROR,
    "说明文字不通顺",
    "the generated text has doubled punctuation, a repeated word or an unfilled placeholder (20**, XX)",
)
def text_reads_right(ctx: CheckContext) -> Iterator[Finding]:
    """The generated text is read again as a reviewer reads it: 。。, 用于用于, 20** or XX left in."""
    seen: set[tuple[str, str]] = set()
    for paragraph in _paragraphs(ctx.document.parts):
        for pattern, kind in _ROUGH:
            for match in pattern.finditer(paragraph):
                if match.group(0) == "……" or (kind, match.group(0)) in seen:
                    continue
                seen.add((kind, match.group(0)))
                around = paragraph[max(0, match.start() - 12) : match.end() + 12]
                yield Finding(
                    f"说明文字{kind}：“{match.group(0)}”（见“…{around}…”）",
                    _source_of(ctx, paragraph[match.start() : match.end() + 6], match.group(0)),
                )
