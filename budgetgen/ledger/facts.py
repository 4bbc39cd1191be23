"""Facts: every amount of a budget as one immutable row in 元.

A table never computes a business figure: it selects and groups facts. Each fact keeps the input
path it came from and whether it was stated or derived, so a finding about a figure can point at
its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from budgetgen.diagnostics import Path
from budgetgen.model.types import FundSource, ProjectCategory, SubSource

ZERO = Decimal(0)

PERSONNEL_CLASSES = ("301", "303")


class ExpenditureKind(StrEnum):
    """人员经费 and 公用经费 are the 基本支出; the rest is 项目支出."""

    PERSONNEL = "personnel"
    OPERATING = "operating"
    PROJECT = "project"

    @property
    def is_basic(self) -> bool:
        """基本支出 = 人员经费 + 公用经费."""
        return self is not ExpenditureKind.PROJECT


class Origin(StrEnum):
    """Whether the unit stated the amount or a rule derived it."""

    STATED = "stated"
    DERIVED = "derived"


@dataclass(frozen=True, slots=True)
class Fact:
    """One amount: unit, 项, economic code, kind, fund source, project, 元, and its source.

    ``government_econ`` is the 政府预算支出经济分类 款 derived from the economic code and the kind
    of unit; ``function_derived`` says the 项 came from a rule rather than from the input;
    ``research`` marks 因公出国（境）费 of 教学科研人员, which some layouts show apart; ``category``
    is the category of the project that pays the fact (其他运转类 / 特定目标类 columns of some layouts).
    """

    unit: str
    function: str
    econ: str
    kind: ExpenditureKind
    source: FundSource
    sub_source: SubSource
    amount: Decimal
    origin: Origin
    path: Path
    project: str | None = None
    econ_name: str | None = None
    function_derived: bool = False
    government_econ: str | None = None
    research: bool = False  # 因公出国（境）费 of 教学科研人员
    category: ProjectCategory | None = None  # the category of the fact's project, if it has one

    @property
    def econ_class(self) -> str:
        """The 3-digit 类 of the economic code (301, 302 …)."""
        return self.econ[:3]

    @property
    def econ_section(self) -> str:
        """The 5-digit 款 of the economic code (30101 …)."""
        return self.econ[:5]

    @property
    def function_class(self) -> str:
        """The 3-digit 类 of the function code (208 …)."""
        return self.function[:3]

    @property
    def function_section(self) -> str:
        """The 5-digit 款 of the function code (20801 …)."""
        return self.function[:5]

    @property
    def is_fiscal(self) -> bool:
        """Paid from 财政拨款 (one of the three budget types)."""
        return self.source.is_fiscal


def basic_kind(econ: str) -> ExpenditureKind:
    """人员经费 for 工资福利支出 (301) and 对个人和家庭的补助 (303), else 公用经费."""
    return ExpenditureKind.PERSONNEL if econ[:3] in PERSONNEL_CLASSES else ExpenditureKind.OPERATING
