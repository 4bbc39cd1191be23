"""The input model: what a department and its units state about one budget year.

Only stated facts live here; every figure the rules fix (contributions, 项 of personnel items,
totals, “三公”, 机关运行经费) is derived later, in the ledger. Amounts are ``Decimal`` 元 once
validated, whatever unit the file used.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from budgetgen.model.types import (
    AmountUnit,
    BudgetLevel,
    Code,
    ComparisonField,
    Count,
    DirectionField,
    EconCode,
    FunctionCode,
    FundSource,
    Line,
    ListedName,
    Money,
    Name,
    PackageKind,
    ProcurementCategory,
    ProjectCategory,
    Quantity,
    Rate,
    ShortText,
    StaffKind,
    SubSource,
    Text,
    UnitKind,
    Weight,
    Year,
)


def _as_int(value: Any) -> Any:
    """YAML scalars arrive as text; a literal number field compares as int."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        return int(value)
    return value


class Strict(BaseModel):
    """Base of every input model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Department(Strict):
    """部门: the budget department that the units belong to (主管部门)."""

    code: Code = Field(description="部门代码，如 342")
    name: Name = Field(description="部门名称")
    short_name: Name | None = Field(None, description="部门简称（表头“部门编码及名称”用），如 社保局")
    level: BudgetLevel | None = Field(
        None, description="预算级次：省 / 市 / 县 / 乡（表头和说明中的“市级”“县级”；不填为“本级”）"
    )
    package_kind: PackageKind | None = Field(
        None, description="标题：部门预算 / 单位预算（不填：一个单位为单位预算，多个单位为部门预算）"
    )


class Funding(Strict):
    """Where an amount is paid from: fund source and sub-source (defaults: 一般公共预算, 当年拨款)."""

    source: FundSource = Field(FundSource.GENERAL_PUBLIC_BUDGET, description="资金来源")
    sub_source: SubSource = Field(SubSource.CURRENT, description="资金性质：当年拨款 / 提前下达 / 上年结转")


class PayItem(Funding):
    """A yearly pay item of a staff group: per head or in total, by economic code."""

    econ: EconCode = Field(description="部门经济分类科目（款或明细）")
    name: Name | None = Field(None, description="明细科目名称（地方明细编码必填）")
    amount: Money | None = Field(None, description="全年合计金额")
    per_head: Money | None = Field(None, description="每人全年金额")
    function: FunctionCode | None = Field(None, description="功能分类项；不填则按规则推导")
    project: Code | None = Field(None, description="所属人员类项目代码")


class StaffGroup(Strict):
    """A group of staff of one kind with its headcount and yearly pay items."""

    name: Name = Field(description="人员类别名称，如 在职人员")
    kind: StaffKind = Field(description="在职 / 退休 / 离休")
    headcount: Count = Field(description="人数")
    pay: list[PayItem] = Field(default_factory=list, description="工资福利项目")
    function: FunctionCode | None = Field(None, description="本组默认功能分类项")
    project: Code | None = Field(None, description="本组默认所属项目代码")


class ContributionRule(Funding):
    """A contribution computed as rate x base (养老 30108, 职业年金 30109, 医疗 30110, 公积金 30113 …).

    The base is the sum of the pay items whose economic code starts with one of ``base``, or a
    stated ``base_amount``; an explicit ``amount`` overrides the computed figure.
    """

    econ: EconCode = Field(description="缴费的经济分类科目")
    name: Name | None = Field(None, description="明细科目名称")
    rate: Rate | None = Field(None, description="缴费比例")
    base: list[EconCode] | None = Field(None, description="缴费基数包含的经济分类科目（前缀）")
    base_amount: Money | None = Field(None, description="直接给出的缴费基数")
    amount: Money | None = Field(None, description="直接给出的缴费金额（优先于计算值）")
    staff_kinds: list[StaffKind] = Field(default_factory=lambda: [StaffKind.EMPLOYED], description="计入基数的人员")
    function: FunctionCode | None = Field(None, description="功能分类项；不填则按规则推导")
    project: Code | None = Field(None, description="所属人员类项目代码")


class Item(Funding):
    """A stated amount on an economic code: 公用经费 and other basic items."""

    econ: EconCode = Field(description="部门经济分类科目")
    name: Name | None = Field(None, description="明细科目名称")
    amount: Money = Field(description="金额")
    function: FunctionCode | None = Field(None, description="功能分类项；不填则为单位主要功能科目")
    project: Code | None = Field(None, description="所属运转类项目代码")
    research: bool = Field(False, description="因公出国（境）费用于教学科研人员")


class ProjectLine(Funding):
    """One line of a project's budget: economic code, amount and fund source."""

    econ: EconCode = Field(description="部门经济分类科目")
    name: Name | None = Field(None, description="明细科目名称")
    amount: Money = Field(description="金额")
    function: FunctionCode | None = Field(None, description="功能分类项；不填则为项目的功能科目")
    research: bool = Field(False, description="因公出国（境）费用于教学科研人员")


class IndicatorFields(Strict):
    """What every performance indicator states: 一级 / 二级 / 三级, 指标性质, 指标值, 度量单位."""

    level1: Name = Field(description="一级指标，如 产出指标")
    level2: Name = Field(description="二级指标，如 数量指标")
    name: Name = Field(description="三级指标")
    comparison: ComparisonField = Field(description="指标性质：≥ ≤ = > < 定性")
    value: Name = Field(description="指标值")
    unit_of_measure: ShortText | None = Field(None, max_length=50, description="度量单位")


class Indicator(IndicatorFields):
    """A project's performance indicator, with its 权重 and 方向 and what some forms print besides."""

    weight: Weight | None = Field(None, description="权重")
    direction: DirectionField | None = Field(None, description="指标方向性：正向 / 反向")
    description: Text | None = Field(None, description="绩效指标描述")
    basis: Text | None = Field(None, description="指标值确定依据")
    value_this_year: Name | None = Field(None, description="本年指标值（不填同指标值）")
    weight_this_year: Weight | None = Field(None, description="本年权重（不填同权重）")
    note: Text | None = Field(None, description="备注")


class UnitIndicator(IndicatorFields):
    """A unit-wide performance indicator (整体支出绩效目标): no 方向; weights (where a layout has them) add to 100."""

    weight: Weight | None = Field(None, description="权重（样式有权重列时必填）")
    description: Text | None = Field(None, description="指标值说明：指标的含义或计算方法")


class MainTasks(Strict):
    """年度主要任务: what the unit does with its 项目支出, 人员经费 and 公用经费."""

    project: Text | None = Field(None, description="项目支出的主要内容（不填则由项目用途生成）")
    personnel: Text | None = Field(None, description="人员经费的主要内容")
    operating: Text | None = Field(None, description="公用经费的主要内容")


class AnnualTask(Strict):
    """A named 年度主要任务 with what it covers (some layouts list any number of them)."""

    name: Name = Field(description="任务名称")
    content: Text = Field(description="主要内容")


class UnitPerformance(Strict):
    """部门(单位)整体支出绩效目标: tasks, the overall target and the unit-wide indicators."""

    main_tasks: MainTasks = Field(default_factory=MainTasks, description="年度主要任务")
    tasks: list[AnnualTask] = Field(default_factory=list, description="年度主要任务（逐项：任务名称和主要内容）")
    duty_targets: list[Text] = Field(default_factory=list, description="年度履职目标（分条）")
    overall_target: Text | None = Field(None, description="整体绩效目标")
    indicators: list[UnitIndicator] = Field(default_factory=list, description="年度绩效指标（权重合计 100）")
    other_notes: Text | None = Field(None, description="其他说明")


class SpendingPlan(Strict):
    """资金支出计划: the share of the project spent by each date, cumulative, in percent."""

    march: Weight = Field(description="3月底累计支出（%）")
    june: Weight = Field(description="6月底累计支出（%）")
    october: Weight = Field(description="10月底累计支出（%）")
    december: Weight = Field(description="12月底累计支出（%），应为 100")


class Contact(Strict):
    """项目经办人."""

    name: Name | None = Field(None, description="姓名")
    phone: ShortText | None = Field(None, max_length=50, description="电话")


class OutsideFunds(Strict):
    """Money of a project from outside the budget (绩效目标表 only)."""

    social: Money = Field(default=Decimal(0), description="社会投入资金")
    bank_loans: Money = Field(default=Decimal(0), description="银行贷款")


class Project(Strict):
    """A project (项目) of the 一体化 system, with its money and its performance target."""

    code: Code = Field(description="项目代码")
    name: Name = Field(description="项目名称")
    category: ProjectCategory = Field(description="人员类 / 运转类 / 其他运转类 / 特定目标类")
    function: FunctionCode | None = Field(None, description="功能分类项；不填则为单位主要功能科目")
    lines: list[ProjectLine] = Field(default_factory=list, description="项目预算明细")
    annual_goal: Text | None = Field(None, description="年度目标")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标")
    purpose: Text | None = Field(None, description="主要用途 / 资金用途")
    goals: list[Line] = Field(default_factory=list, description="绩效目标（分条，每条一行；不填则用年度目标）")
    spending_plan: SpendingPlan | None = Field(None, description="资金支出计划（累计 %）")
    duty_activity: Name | None = Field(None, description="职能职责与活动，如 04-社会保险参保登记及宣传")
    contact: Contact | None = Field(None, description="项目经办人")
    execution_weight: Weight | None = Field(None, description="预算执行率权重（不填按样式默认）")
    outside_funds: OutsideFunds = Field(default_factory=OutsideFunds, description="预算外资金")


class IncomeEntry(Funding):
    """A stated income figure (收入) by source and sub-source: the control figure for the unit."""

    amount: Money = Field(description="金额")


class ThreePublic(Strict):
    """“三公”经费 by item."""

    overseas: Money = Field(default=Decimal(0), description="因公出国（境）费")
    vehicles_purchase: Money = Field(default=Decimal(0), description="公务用车购置费")
    vehicles_running: Money = Field(default=Decimal(0), description="公务用车运行维护费")
    reception: Money = Field(default=Decimal(0), description="公务接待费")


class LastYear(Strict):
    """Last year's budget figures, for the comparisons in the text."""

    total: Money | None = Field(None, description="上年收支预算总数")
    fiscal_total: Money | None = Field(None, description="上年财政拨款收支预算总数（不填同收支总数）")
    general_public_current: Money | None = Field(None, description="上年一般公共预算当年拨款（不填同财政拨款）")
    running_cost: Money | None = Field(None, description="上年机关运行经费")
    general_public: Money | None = Field(None, description="上年一般公共预算收支预算数")
    government_fund: Money | None = Field(None, description="上年政府性基金收支预算数")
    state_capital: Money | None = Field(None, description="上年国有资本经营预算收支预算数")
    three_public: ThreePublic | None = Field(None, description="上年“三公”经费")


class ThreePublicTexts(Strict):
    """Reasons and purposes for the “三公” sentences."""

    overseas_reason: Text | None = None
    vehicles_reason: Text | None = None
    reception_reason: Text | None = None
    vehicles_purchase_reason: Text | None = None
    vehicles_running_reason: Text | None = None
    total_reason: Text | None = None
    reception_purpose: Text | None = None
    overseas_purpose: Text | None = None
    vehicles_purpose: Text | None = None


class Texts(Strict):
    """The sentences only the unit can write; everything else in the text is generated."""

    functions: Text | None = Field(None, description="单位职能简介")
    key_work: Text | None = Field(None, description="本年重点工作")
    change_reason: Text | None = Field(None, description="收支总数较上年变化的原因")
    fiscal_change_reason: Text | None = Field(None, description="财政拨款变化原因（不填同上）")
    general_public_change_reason: Text | None = Field(None, description="一般公共预算当年拨款变化原因（不填同上）")
    government_fund_change_reason: Text | None = Field(None, description="政府性基金预算变化原因")
    state_capital_change_reason: Text | None = Field(None, description="国有资本经营预算变化原因")
    running_cost_items: Text | None = Field(None, description="机关（机构）运行经费的主要构成，如 办公费、水电费")
    running_cost_change_reason: Text | None = Field(None, description="机关运行经费变化原因")
    function_purposes: dict[FunctionCode, Text] = Field(default_factory=dict, description="各功能分类项的主要用途")
    three_public: ThreePublicTexts = Field(default_factory=ThreePublicTexts)
    procurement: Text | None = Field(None, description="政府采购情况补充说明")
    assets: Text | None = Field(None, description="国有资产占有使用情况补充说明")
    performance_overall: Text | None = Field(None, description="总体绩效目标")
    performance_by_category: Text | None = Field(None, description="分类绩效目标")
    performance_measures: Text | None = Field(None, description="工作保障措施")
    other_matters: Text | None = Field(None, description="其他需说明的事项")


class ProcurementItem(Strict):
    """A planned government procurement (政府采购)."""

    name: Name = Field(description="采购项目名称")
    category: ProcurementCategory = Field(description="货物 / 工程 / 服务")
    amount: Money = Field(description="金额（当年部门预算安排）")
    project: Code | None = Field(None, description="所属项目代码")
    source: FundSource = Field(FundSource.GENERAL_PUBLIC_BUDGET, description="资金来源")
    catalog_number: ShortText | None = Field(None, max_length=50, description="政府采购目录序号")
    unit_of_measure: ShortText | None = Field(None, max_length=20, description="数量单位")
    quantity: Quantity | None = Field(None, description="数量")
    unit_price: Money | None = Field(None, description="单价")
    other_channels: Money = Field(default=Decimal(0), description="其他渠道资金")


class Assets(Strict):
    """State asset holdings at the end of last year and planned purchases (国有资产占有使用情况)."""

    vehicles: Count = Field(0, description="车辆数（辆）")
    official_vehicles: Count | None = Field(None, description="公务用车数（辆，不填同车辆数）")
    large_equipment: Count = Field(0, description="单位价值 200 万元以上大型设备（台/套）")
    general_vehicles: Count | None = Field(None, description="一般公务用车（辆）")
    enforcement_vehicles: Count | None = Field(None, description="一般执法执勤用车（辆）")
    special_vehicles: Count | None = Field(None, description="特种专业技术用车（辆）")
    other_vehicles: Count | None = Field(None, description="其他用车（辆）")
    general_equipment: Count | None = Field(None, description="单位价值 50 万元以上通用设备（台/套）")
    special_equipment: Count | None = Field(None, description="单位价值 100 万元以上专用设备（台/套）")
    planned_vehicles: Count = Field(0, description="本年拟购置车辆（辆）")
    planned_large_equipment: Count = Field(0, description="本年拟购置大型设备（台/套）")
    total_value: Money | None = Field(None, description="上年末固定资产总额（应等于各类之和）")
    building_area: Quantity | None = Field(None, description="房屋面积（平方米）")
    building_value: Money | None = Field(None, description="房屋价值")
    office_area: Quantity | None = Field(None, description="其中办公用房面积（平方米）")
    office_value: Money | None = Field(None, description="其中办公用房价值")
    vehicles_value: Money | None = Field(None, description="车辆价值")
    equipment_value: Money | None = Field(None, description="单价 20 万元以上设备价值")
    other_value: Money | None = Field(None, description="其他固定资产价值")
    planned_purchases: Money = Field(default=Decimal(0), description="本年拟购置固定资产金额")


class Unit(Strict):
    """单位: a budget unit with its own code, staff, items, projects and texts."""

    code: Code = Field(description="单位代码，以部门代码开头")
    name: Name = Field(description="单位名称")
    kind: UnitKind = Field(description="行政 / 参公 / 事业")
    main_function: FunctionCode = Field(description="主要功能分类项（7 位）")
    unit_type: Name | None = Field(None, description="单位性质，如 参照公务员管理的公益一类事业单位")
    budget_level: Name | None = Field(None, description="级次，如 二级预算单位")
    internal_divisions: Count | None = Field(None, description="内设机构数")
    divisions: list[ListedName] = Field(default_factory=list, description="内设机构名称")
    special_transfers: list[ListedName] = Field(default_factory=list, description="负责管理的专项转移支付项目")
    subordinate_units: list[ListedName] = Field(default_factory=list, description="下属单位")
    rank: Name | None = Field(None, description="单位规格，如 正处级、股级")
    funding_form: Name | None = Field(None, description="经费保障形式，如 财政性资金基本保证")
    show_zero: list[Code] = Field(default_factory=list, description="金额为零也列示的科目（功能分类项或经济分类款）")
    running_cost: Money | None = Field(
        None, description="本年机关（机构）运行经费；填写则以此为准，不按样式推导（并视为报告运行经费的单位）"
    )
    performance: UnitPerformance | None = Field(None, description="部门(单位)整体支出绩效目标")
    staff: list[StaffGroup] = Field(default_factory=list, description="人员")
    contribution_rules: list[ContributionRule] = Field(
        default_factory=list, description="缴费规则（按经济科目覆盖部门默认规则）"
    )
    operating_items: list[Item] = Field(default_factory=list, description="公用经费等基本支出项目")
    projects: list[Project] = Field(default_factory=list, description="项目")
    income: list[IncomeEntry] = Field(default_factory=list, description="收入（控制数）")
    procurement: list[ProcurementItem] = Field(default_factory=list, description="政府采购")
    assets: Assets = Field(default_factory=Assets, description="国有资产")
    last_year: LastYear = Field(default_factory=LastYear, description="上年数")
    texts: Texts = Field(default_factory=Texts, description="文字说明")


class BudgetInput(Strict):
    """One budget year of a department and its units: the whole input of budgetgen."""

    format_version: Annotated[Literal[1], BeforeValidator(_as_int)] = Field(1, description="输入格式版本")
    budget_year: Year = Field(ge=2000, le=2100, description="预算年度")
    amount_unit: AmountUnit = Field(description="本文件金额单位：元 或 万元")
    prepared_on: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="编制日期（YYYY-MM-DD），草稿每页显示"
    )
    department: Department = Field(description="部门")
    contribution_rules: list[ContributionRule] = Field(default_factory=list, description="部门默认缴费规则")
    units: list[Unit] = Field(min_length=1, description="预算单位")
