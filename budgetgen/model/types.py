"""Field types of the input model: amounts, rates, codes and the closed vocabularies.

Amounts arrive as the text the user wrote (see ``io.yaml_source``) in the unit the file states
(元 or 万元) and leave validation as exact ``Decimal`` 元; a file never mixes units.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation, localcontext
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema, WrapValidator
from pydantic_core import PydanticCustomError


class AmountUnit(StrEnum):
    """The unit in which a file states its amounts."""

    YUAN = "元"
    WAN = "万元"


class UnitKind(StrEnum):
    """行政 / 参公 / 事业: decides 医疗 and 离退休 项 and the government economic class."""

    ADMINISTRATIVE = "行政"
    CIVIL_SERVICE_MANAGED = "参公"
    PUBLIC_INSTITUTION = "事业"


class BudgetLevel(StrEnum):
    """预算级次 of the department's government: drives 省级/市级/县级/乡级 wording (本级 when unstated)."""

    PROVINCE = "省"
    CITY = "市"
    COUNTY = "县"
    TOWNSHIP = "乡"

    @property
    def word(self) -> str:
        """The adjective the texts and headers print: 市 → 市级."""
        return f"{self.value}级"


class PackageKind(StrEnum):
    """What a package is titled: 部门预算 or 单位预算 (unstated: 单位 for one unit, 部门 for several)."""

    DEPARTMENT = "部门预算"
    UNIT = "单位预算"


class StaffKind(StrEnum):
    """在职 / 退休 / 离休."""

    EMPLOYED = "在职"
    RETIRED = "退休"
    VETERAN_RETIRED = "离休"


class FundSource(StrEnum):
    """Where money comes from: the three budget types and the unit's other revenue."""

    GENERAL_PUBLIC_BUDGET = "一般公共预算"
    GOVERNMENT_FUND = "政府性基金预算"
    STATE_CAPITAL = "国有资本经营预算"
    SPECIAL_ACCOUNT = "财政专户管理资金"
    SERVICE = "事业收入"
    OPERATING = "事业单位经营收入"
    SUPERIOR_GRANT = "上级补助收入"
    SUBSIDIARY_REMITTANCE = "附属单位上缴收入"
    OTHER = "其他收入"
    INSTITUTION_FUND = "用事业基金弥补收支差额"

    @property
    def is_fiscal(self) -> bool:
        """财政拨款: the three budget types together."""
        return self in FISCAL_SOURCES


FISCAL_SOURCES = frozenset({FundSource.GENERAL_PUBLIC_BUDGET, FundSource.GOVERNMENT_FUND, FundSource.STATE_CAPITAL})


class SubSource(StrEnum):
    """Which year's money: this year's appropriation, notified in advance, or carried over."""

    CURRENT = "当年拨款"
    ADVANCE = "提前下达"
    CARRIED_OVER = "上年结转"
    RETURNABLE_CARRIED_OVER = "上年应返还额度结转"

    @property
    def is_carried_over(self) -> bool:
        """Money from last year's budget (上年结转 and 上年应返还额度结转)."""
        return self in (SubSource.CARRIED_OVER, SubSource.RETURNABLE_CARRIED_OVER)


class ProjectCategory(StrEnum):
    """The 一体化 system's project categories: the first two are 基本支出, the others 项目支出."""

    PERSONNEL = "人员类"
    RUNNING = "运转类"
    OTHER_RUNNING = "其他运转类"
    SPECIFIC = "特定目标类"

    @property
    def is_basic(self) -> bool:
        """人员类 and 运转类 projects carry the 基本支出."""
        return self in (ProjectCategory.PERSONNEL, ProjectCategory.RUNNING)


class Comparison(StrEnum):
    """指标性质."""

    GE = "≥"
    LE = "≤"
    EQ = "="
    GT = ">"
    LT = "<"
    QUALITATIVE = "定性"


class Direction(StrEnum):
    """指标方向性."""

    POSITIVE = "正向"
    NEGATIVE = "反向"


class ProcurementCategory(StrEnum):
    """政府采购 categories."""

    GOODS = "货物"
    WORKS = "工程"
    SERVICES = "服务"


_COMPARISON_ALIASES = {">=": "≥", "<=": "≤", "＝": "=", "==": "=", "＞": ">", "＜": "<", "≧": "≥", "≦": "≤"}


def _normalize_comparison(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        return _COMPARISON_ALIASES.get(text, text)
    return value


def _normalize_direction(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().removesuffix("指标")
    return value


ComparisonField = Annotated[Comparison, BeforeValidator(_normalize_comparison)]
DirectionField = Annotated[Direction, BeforeValidator(_normalize_direction)]

_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")  # ASCII digits only: no "1_000", "４０", "1e5"
MAX_DIGITS = 30
MAX_YUAN = Decimal("1e13")
MAX_NUMBER = Decimal("1e13")  # any other number (areas, quantities): as large as an amount may be
MAX_DECIMALS = 6  # places after the point of a number that is not an amount
MAX_COUNT = 10_000_000
NUMBER_HINT = "不带千位分隔符和单位，用半角数字，例如 1234.56"


def _parse_number(value: Any) -> Decimal | None:
    """The one number syntax of the input: plain ASCII decimal text (or a number from a workbook cell)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value) if abs(value) < 10**MAX_DIGITS else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):  # a workbook cell or a Python caller; YAML gives text
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_DIGITS or not _NUMBER.match(text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern excludes it
            return None
    return None


def _number_error(message: str, value: Any, **extra: Any) -> PydanticCustomError:
    return PydanticCustomError("money", message, {"input": value, **extra})


def _bounded_number(value: Any, what: str, example: str) -> Decimal:
    """A non-negative number in the one syntax, below ``MAX_NUMBER``; errors say ``what`` it is."""
    if value is None or value == "":
        raise _number_error(f"{what}不能为空", value)
    number = _parse_number(value)
    if number is None:
        raise _number_error(f"{what}“{{input}}”不是数字（不带千位分隔符和单位，用半角数字，例如 {example}）", value)
    if number < 0:
        raise _number_error(f"{what}“{{input}}”不能为负数", value)
    if number > MAX_NUMBER:
        raise _number_error(f"{what}“{{input}}”过大", value)
    return number


def _decimal(value: Any, what: str = "数值", limit: Decimal = MAX_NUMBER) -> Decimal:
    number = _bounded_number(value, what, "12.5")
    if number > limit:
        raise _number_error(f"{what}“{{input}}”应不大于 {limit}", value)
    if number != number.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        raise _number_error(f"{what}“{{input}}”小数位过多（最多 {MAX_DECIMALS} 位）", value)
    return number


def _count(value: Any) -> int:
    """A count (人数, 车辆数 …): a whole non-negative number in the same syntax as amounts."""
    number = _bounded_number(value, "数量", "12")
    if number != number.to_integral_value():
        raise _number_error("数量“{input}”应为整数", value)
    if number > MAX_COUNT:
        raise _number_error(f"数量“{{input}}”应不大于 {MAX_COUNT}", value)
    return int(number)


def _year(value: Any) -> Any:
    """A year: text of ASCII digits only; the range is the field's."""
    number = _parse_number(value)
    if number is None or number != number.to_integral_value() or abs(number) > 10_000:
        raise _number_error("年度“{input}”不是整数（用半角数字，例如 2025）", value)
    return int(number)


def _money(value: Any, handler: Any, info: ValidationInfo) -> Decimal:
    """Validate an amount in the file's unit and return it in 元."""
    if value is None or value == "":
        raise PydanticCustomError("money", "金额不能为空（没有金额请填 0）", {"input": value})
    number = _parse_number(value)
    if number is None:
        raise PydanticCustomError("money", "金额“{input}”不是数字（" + NUMBER_HINT + "）", {"input": value})
    if number < 0:
        raise PydanticCustomError("money", "金额“{input}”不能为负数", {"input": value})
    if number > MAX_YUAN:
        raise PydanticCustomError("money", "金额“{input}”过大", {"input": value})
    unit = AmountUnit.YUAN
    if info.context and "amount_unit" in info.context:
        unit = AmountUnit(info.context["amount_unit"])
    with localcontext() as exact:
        exact.prec = 2 * MAX_DIGITS  # the product of a 30-digit number and 10000 is exact
        yuan = number * 10000 if unit is AmountUnit.WAN else number
    if yuan > MAX_YUAN:
        raise PydanticCustomError("money", "金额“{input}”过大", {"input": value})
    if yuan != yuan.quantize(Decimal("0.01")):
        raise PydanticCustomError(
            "money",
            "金额“{input}”精确到了分以下（单位为{unit}时最多 {digits} 位小数）",
            {"input": value, "unit": unit.value, "digits": 6 if unit is AmountUnit.WAN else 2},
        )
    return yuan.quantize(Decimal("0.01"))


def _rate(value: Any) -> Decimal:
    if value is None or value == "":
        raise PydanticCustomError("rate", "比例不能为空", {"input": value})
    text = value.strip() if isinstance(value, str) else value
    percent = isinstance(text, str) and text.endswith(("%", "％"))
    number = _parse_number(text[:-1] if percent else text)
    if number is None:
        raise PydanticCustomError("rate", "比例“{input}”不是数字（写作 0.12 或 12%）", {"input": value})
    if number < 0:
        raise PydanticCustomError("rate", "比例“{input}”不能为负数", {"input": value})
    if percent:
        number /= 100
    if number > 1:
        raise PydanticCustomError("rate", "比例“{input}”大于 100%", {"input": value})
    if number != number.quantize(Decimal(1).scaleb(-2 * MAX_DECIMALS)):
        raise PydanticCustomError("rate", "比例“{input}”小数位过多", {"input": value})
    return number


Money = Annotated[
    Decimal,
    WrapValidator(_money),
    WithJsonSchema({"type": ["number", "string"], "description": "金额，单位见 amount_unit（元或万元）"}),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    WithJsonSchema({"type": ["number", "string"], "description": "比例：0.12 或 12%"}),
]

# Codes are text of digits; their existence is checked against the year's catalog after parsing.
FunctionCode = Annotated[str, Field(pattern=r"^\d{3}(\d{2}){0,2}$", description="功能分类科目编码")]
EconCode = Annotated[str, Field(pattern=r"^3\d{2}(\d{2}(\d{2}){0,2})?$", description="部门经济分类科目编码")]
Code = Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,39}$")]

# Characters no text of a budget may hold: control characters (the published name would differ
# from the input, or a terminal would obey them), line and paragraph separators the PDF cannot
# set, surrogates, bidirectional overrides (text that reads differently than it is) and noncharacters.
_NONCHARACTERS = r"\ufdd0-\ufdef" + "".join(
    rf"\U{plane + 0xFFFE:08x}\U{plane + 0xFFFF:08x}" for plane in range(0, 0x110000, 0x10000)
)
_REFUSED = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff" + _NONCHARACTERS
_BAD_IN_TEXT = re.compile(f"[{_REFUSED}]")  # a text keeps its line breaks and tabs
_BAD_IN_LINE = re.compile(f"[{_REFUSED}\\n\\t]")  # a name or a line has neither


def _text_checker(multiline: bool) -> Any:
    """A validator run before stripping, so that a control character at either end is refused too."""
    bad = _BAD_IN_TEXT if multiline else _BAD_IN_LINE

    def check(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if "\r\n" in value:  # a Windows line break is a line break
            value = value.replace("\r\n", "\n")
        found = bad.search(value.strip(" \t\n"))  # ordinary blanks at the ends are stripped anyway
        if found is None:
            return value
        ch = found.group()
        where = value.index(ch) + 1
        if ch == "\n":
            message = "不能换行（第 {where} 个字符处有换行）"
        else:
            message = "含有不允许的字符 U+{code}（控制字符或排版无法显示的字符，在第 {where} 个字符处），请删除"
        raise PydanticCustomError("text", message, {"code": f"{ord(ch):04X}", "where": where})

    return check


def _listed(value: Any) -> Any:
    """A name in a list the workbook writes into one cell, separated by 、 , ; or line breaks."""
    if isinstance(value, str):
        found = [sep for sep in "、,，;；" if sep in value]
        if found:
            raise PydanticCustomError(
                "text",
                "名称不能含有“{sep}”（工作簿中用“、”“,”“;”分隔多个名称，请每项写一个名称）",
                {"sep": found[0]},
            )
    return value


_SINGLE_LINE = BeforeValidator(_text_checker(multiline=False))
Name = Annotated[str, Field(min_length=1, max_length=200), _SINGLE_LINE]
# Blank text is refused rather than kept as "": a workbook cell cannot tell "" from nothing.
ShortText = Annotated[str, Field(min_length=1), _SINGLE_LINE]  # phone, 度量单位 …: give the field its max_length
Text = Annotated[str, Field(min_length=1, max_length=20000), BeforeValidator(_text_checker(multiline=True))]
ListedName = Annotated[Name, AfterValidator(_listed)]
Line = Annotated[str, Field(min_length=1, max_length=20000), _SINGLE_LINE]  # one of several lines of a cell
Count = Annotated[
    int, BeforeValidator(_count), WithJsonSchema({"type": ["integer", "string"], "minimum": 0, "maximum": MAX_COUNT})
]
Weight = Annotated[
    Decimal,
    BeforeValidator(lambda value: _decimal(value, "数值", Decimal(100))),
    WithJsonSchema({"type": ["number", "string"], "minimum": 0, "maximum": 100}),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    WithJsonSchema({"type": ["number", "string"], "minimum": 0, "description": "非负数，最多 6 位小数"}),
]
Year = Annotated[int, BeforeValidator(_year), WithJsonSchema({"type": ["integer", "string"]})]
