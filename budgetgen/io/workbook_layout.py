"""The layout of the Excel input workbook: one sheet per concept of the input model.

One description serves both directions: ``template`` writes these sheets, ``import`` reads them.
Each column names the field it holds (a dotted path below the row's object) and how it is written.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds: text, int, money, rate, list (several values joined by 、), function / econ codes,
# and the closed vocabularies that get a dropdown.
TEXT, INT, MONEY, RATE, LIST = "text", "int", "money", "rate", "list"
LINES, FLAG = "lines", "flag"  # a list with one item per line in the cell; 是 / 否
FUNCTION, ECON = "function", "econ"
UNIT_KIND, STAFF_KIND, SOURCE, SUB_SOURCE = "unit_kind", "staff_kind", "source", "sub_source"
CATEGORY, COMPARISON, DIRECTION, PROCUREMENT = "category", "comparison", "direction", "procurement"
AMOUNT_UNIT, TEXT_FIELD, STAFF_KINDS = "amount_unit", "text_field", "staff_kinds"


@dataclass(frozen=True)
class Col:
    """A column: header, field path below the row's object, kind, width, whether it is required."""

    header: str
    field: str
    kind: str = TEXT
    width: float = 14
    required: bool = False
    note: str = ""


@dataclass(frozen=True)
class Sheet:
    """A sheet of rows; ``parent`` says which columns name the object a row belongs to."""

    name: str
    purpose: str
    columns: tuple[Col, ...]
    example: tuple[str, ...] = ()


UNIT = Col("单位代码", "unit", TEXT, 10, True, "所属单位的代码（缴费规则留空表示部门默认规则）")
FUNDING = (
    Col("资金来源", "source", SOURCE, 16, False, "留空为一般公共预算"),
    Col("资金性质", "sub_source", SUB_SOURCE, 12, False, "留空为当年拨款"),
)

# What every indicator row states (项目的绩效指标 and 整体绩效指标 alike).
INDICATOR = (
    Col("一级指标", "level1", TEXT, 12, True),
    Col("二级指标", "level2", TEXT, 14, True),
    Col("三级指标", "name", TEXT, 28, True),
    Col("指标性质", "comparison", COMPARISON, 8, True),
    Col("指标值", "value", TEXT, 10, True),
    Col("度量单位", "unit_of_measure", TEXT, 10),
)

GENERAL = Sheet(
    "基本信息",
    "预算年度、金额单位和主管部门：每行一项，在 B 列填写。",
    (Col("项目", "label", TEXT, 18), Col("内容", "value", TEXT, 40)),
)
# The rows of 基本信息: label, field, kind.
GENERAL_ROWS: tuple[tuple[str, str, str], ...] = (
    ("预算年度", "budget_year", INT),
    ("金额单位", "amount_unit", AMOUNT_UNIT),
    ("部门代码", "department.code", TEXT),
    ("部门名称", "department.name", TEXT),
    ("部门简称", "department.short_name", TEXT),
    ("预算级次", "department.level", TEXT),
    ("公开类型", "department.package_kind", TEXT),
    ("编制日期", "prepared_on", TEXT),
    ("格式版本", "format_version", INT),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "单位",
        "每个预算单位一行：代码、名称、类型、主要功能科目、概况、国有资产和上年数。",
        (
            Col("单位代码", "code", TEXT, 10, True),
            Col("单位名称", "name", TEXT, 28, True),
            Col("单位类型", "kind", UNIT_KIND, 8, True),
            Col("主要功能科目", "main_function", FUNCTION, 30, True),
            Col("单位性质", "unit_type", TEXT, 26),
            Col("预算级次", "budget_level", TEXT, 14),
            Col("内设机构数", "internal_divisions", INT, 10),
            Col("下属单位", "subordinate_units", LIST, 20, False, "多个用“、”分隔"),
            Col("车辆数", "assets.vehicles", INT, 8),
            Col("公务用车数", "assets.official_vehicles", INT, 10),
            Col("200万元以上大型设备数", "assets.large_equipment", INT, 12),
            Col("本年拟购车辆数", "assets.planned_vehicles", INT, 10),
            Col("本年拟购大型设备数", "assets.planned_large_equipment", INT, 12),
            Col("上年收支预算总数", "last_year.total", MONEY, 14),
            Col("上年财政拨款收支总数", "last_year.fiscal_total", MONEY, 14),
            Col("上年一般公共预算当年拨款", "last_year.general_public_current", MONEY, 14),
            Col("上年机关运行经费", "last_year.running_cost", MONEY, 14),
            Col("本年机关运行经费", "running_cost", MONEY, 14, False, "填写则以此为准，不按样式推导"),
            Col("上年因公出国（境）费", "last_year.three_public.overseas", MONEY, 12),
            Col("上年公务用车购置费", "last_year.three_public.vehicles_purchase", MONEY, 12),
            Col("上年公务用车运行维护费", "last_year.three_public.vehicles_running", MONEY, 12),
            Col("上年公务接待费", "last_year.three_public.reception", MONEY, 12),
            Col("单位规格", "rank", TEXT, 10, False, "如 正处级、股级"),
            Col("经费保障形式", "funding_form", TEXT, 16, False, "如 财政性资金基本保证"),
            Col("零值列示科目", "show_zero", LIST, 20, False, "金额为零也列示的功能科目或经济科目，多个用“、”分隔"),
            Col("固定资产总额", "assets.total_value", MONEY, 12, False, "上年末"),
            Col("房屋面积（平方米）", "assets.building_area", MONEY, 10),
            Col("房屋价值", "assets.building_value", MONEY, 12),
            Col("办公用房面积（平方米）", "assets.office_area", MONEY, 10),
            Col("办公用房价值", "assets.office_value", MONEY, 12),
            Col("车辆价值", "assets.vehicles_value", MONEY, 12),
            Col("单价20万元以上设备价值", "assets.equipment_value", MONEY, 12),
            Col("其他固定资产价值", "assets.other_value", MONEY, 12),
            Col("本年拟购置固定资产", "assets.planned_purchases", MONEY, 12),
            Col("整体绩效目标", "performance.overall_target", TEXT, 40),
            Col("主要任务：项目支出", "performance.main_tasks.project", TEXT, 30),
            Col("主要任务：人员经费", "performance.main_tasks.personnel", TEXT, 24),
            Col("主要任务：公用经费", "performance.main_tasks.operating", TEXT, 24),
            Col("整体绩效其他说明", "performance.other_notes", TEXT, 24),
            Col("内设机构名称", "divisions", LIST, 24, False, "多个用“、”分隔"),
            Col("负责管理的专项转移支付项目", "special_transfers", LIST, 24, False, "多个用“、”分隔"),
            Col("一般公务用车数", "assets.general_vehicles", INT, 10),
            Col("一般执法执勤用车数", "assets.enforcement_vehicles", INT, 10),
            Col("特种专业技术用车数", "assets.special_vehicles", INT, 10),
            Col("其他用车数", "assets.other_vehicles", INT, 10),
            Col("50万元以上通用设备数", "assets.general_equipment", INT, 12),
            Col("100万元以上专用设备数", "assets.special_equipment", INT, 12),
            Col("上年一般公共预算收支预算数", "last_year.general_public", MONEY, 14),
            Col("上年政府性基金收支预算数", "last_year.government_fund", MONEY, 14),
            Col("上年国有资本经营预算收支预算数", "last_year.state_capital", MONEY, 14),
            Col("年度履职目标（分条）", "performance.duty_targets", LINES, 40, False, "每行一条"),
        ),
    ),
    Sheet(
        "人员",
        "人员类别（在职、退休、离休）：每类一行，工资项目填在“工资项目”表。",
        (
            UNIT,
            Col("人员类别", "name", TEXT, 14, True, "同一单位内不重复，如 在职人员"),
            Col("人员性质", "kind", STAFF_KIND, 8, True),
            Col("人数", "headcount", INT, 8, True),
            Col("功能科目", "function", FUNCTION, 30),
            Col("所属项目", "project", TEXT, 12),
        ),
    ),
    Sheet(
        "工资项目",
        "每个人员类别的全年工资项目：合计金额或每人金额二选一。",
        (
            UNIT,
            Col("人员类别", "group", TEXT, 14, True),
            Col("经济科目", "econ", ECON, 30, True),
            Col("明细名称", "name", TEXT, 18, False, "地方明细科目必填"),
            Col("合计金额", "amount", MONEY, 14),
            Col("每人金额", "per_head", MONEY, 12),
            Col("功能科目", "function", FUNCTION, 30),
            Col("所属项目", "project", TEXT, 12),
            *FUNDING,
        ),
    ),
    Sheet(
        "缴费规则",
        "社会保险和住房公积金：比例×基数，或直接填写金额；单位代码留空为部门默认规则。",
        (
            Col("单位代码", "unit", TEXT, 10, False, "留空为部门默认规则"),
            Col("经济科目", "econ", ECON, 30, True),
            Col("明细名称", "name", TEXT, 14),
            Col("比例", "rate", RATE, 8, False, "如 0.12 或 12%"),
            Col("基数科目", "base", LIST, 24, False, "经济科目，多个用“、”分隔"),
            Col("基数金额", "base_amount", MONEY, 12),
            Col("金额", "amount", MONEY, 12, False, "填写后优先于比例计算"),
            Col("计入人员", "staff_kinds", STAFF_KINDS, 10, False, "留空为在职"),
            Col("功能科目", "function", FUNCTION, 30),
            Col("所属项目", "project", TEXT, 12),
            *FUNDING,
        ),
    ),
    Sheet(
        "公用经费",
        "公用经费等基本支出：每个经济科目一行。",
        (
            UNIT,
            Col("经济科目", "econ", ECON, 30, True),
            Col("明细名称", "name", TEXT, 18),
            Col("金额", "amount", MONEY, 14, True),
            Col("功能科目", "function", FUNCTION, 30),
            Col("所属项目", "project", TEXT, 12),
            *FUNDING,
            Col("教学科研人员出国", "research", FLAG, 10, False, "因公出国（境）费用于教学科研人员填“是”"),
        ),
    ),
    Sheet(
        "项目",
        "项目（人员类、运转类、其他运转类、特定目标类）：每个项目一行，金额填在“项目明细”。",
        (
            UNIT,
            Col("项目代码", "code", TEXT, 14, True),
            Col("项目名称", "name", TEXT, 30, True),
            Col("项目类别", "category", CATEGORY, 12, True),
            Col("功能科目", "function", FUNCTION, 30),
            Col("年度目标", "annual_goal", TEXT, 40),
            Col("主要用途", "purpose", TEXT, 30),
            Col("绩效目标（分条）", "goals", LINES, 40, False, "每行一条"),
            Col("3月底累计支出%", "spending_plan.march", MONEY, 8),
            Col("6月底累计支出%", "spending_plan.june", MONEY, 8),
            Col("10月底累计支出%", "spending_plan.october", MONEY, 8),
            Col("12月底累计支出%", "spending_plan.december", MONEY, 8),
            Col("职能职责与活动", "duty_activity", TEXT, 24, False, "如 04-社会保险参保登记及宣传"),
            Col("项目经办人", "contact.name", TEXT, 10),
            Col("经办人电话", "contact.phone", TEXT, 14),
            Col("预算执行率权重", "execution_weight", MONEY, 8, False, "留空按样式默认（10）"),
            Col("社会投入资金", "outside_funds.social", MONEY, 12),
            Col("银行贷款", "outside_funds.bank_loans", MONEY, 12),
        ),
    ),
    Sheet(
        "项目明细",
        "项目的预算：每个经济科目和资金来源一行。",
        (
            UNIT,
            Col("项目代码", "project", TEXT, 14, True),
            Col("经济科目", "econ", ECON, 30, True),
            Col("明细名称", "name", TEXT, 14),
            Col("金额", "amount", MONEY, 14, True),
            *FUNDING,
            Col("功能科目", "function", FUNCTION, 30, False, "留空为项目的功能科目"),
            Col("教学科研人员出国", "research", FLAG, 10, False, "因公出国（境）费用于教学科研人员填“是”"),
        ),
    ),
    Sheet(
        "绩效指标",
        "项目的绩效指标：每个三级指标一行。",
        (
            UNIT,
            Col("项目代码", "project", TEXT, 14, True),
            *INDICATOR,
            Col("权重", "weight", MONEY, 8),
            Col("指标方向性", "direction", DIRECTION, 10),
            Col("绩效指标描述", "description", TEXT, 24),
            Col("指标值确定依据", "basis", TEXT, 20),
            Col("本年指标值", "value_this_year", TEXT, 10, False, "留空同指标值"),
            Col("本年权重", "weight_this_year", MONEY, 8, False, "留空同权重"),
            Col("备注", "note", TEXT, 16),
        ),
    ),
    Sheet(
        "整体绩效指标",
        "单位整体支出的年度绩效指标：每个三级指标一行，权重合计 100。",
        (
            UNIT,
            *INDICATOR,
            Col("权重", "weight", MONEY, 8, False, "样式有权重列时必填"),
            Col("指标值说明", "description", TEXT, 30),
        ),
    ),
    Sheet(
        "年度主要任务",
        "单位整体绩效的年度主要任务：每项任务一行。",
        (
            UNIT,
            Col("任务名称", "name", TEXT, 20, True),
            Col("主要内容", "content", TEXT, 50, True),
        ),
    ),
    Sheet(
        "收入",
        "收入（控制数）：每个资金来源一行。",
        (
            UNIT,
            Col("资金来源", "source", SOURCE, 20, True),
            Col("资金性质", "sub_source", SUB_SOURCE, 12),
            Col("金额", "amount", MONEY, 14, True),
        ),
    ),
    Sheet(
        "政府采购",
        "政府采购预算：每个采购项目一行。",
        (
            UNIT,
            Col("采购项目", "name", TEXT, 28, True),
            Col("采购类别", "category", PROCUREMENT, 10, True),
            Col("金额", "amount", MONEY, 14, True),
            Col("所属项目", "project", TEXT, 12),
            Col("资金来源", "source", SOURCE, 16, False, "留空为一般公共预算"),
            Col("政府采购目录序号", "catalog_number", TEXT, 10),
            Col("数量单位", "unit_of_measure", TEXT, 8),
            Col("数量", "quantity", MONEY, 8),
            Col("单价", "unit_price", MONEY, 10),
            Col("其他渠道资金", "other_channels", MONEY, 12),
        ),
    ),
    Sheet(
        "文字说明",
        "只有单位自己能写的文字：职能、重点工作、变化原因、各功能科目的用途。",
        (
            UNIT,
            Col("内容", "field", TEXT_FIELD, 26, True),
            Col("功能科目", "code", FUNCTION, 30, False, "“功能科目用途”一行填写"),
            Col("文字", "text", TEXT, 80, True),
            Col("放入的句子（预览）", "preview", TEXT, 80, False, "说明中这段文字所在的句子，供核对；导入时不读取"),
        ),
    ),
)

# 文字说明's 内容 column: label → field path below ``texts``.
TEXT_FIELDS: dict[str, str] = {
    "单位职能简介": "functions",
    "本年重点工作": "key_work",
    "收支总数变化原因": "change_reason",
    "财政拨款变化原因": "fiscal_change_reason",
    "一般公共预算当年拨款变化原因": "general_public_change_reason",
    "机关运行经费变化原因": "running_cost_change_reason",
    "功能科目用途": "function_purposes",
    "因公出国（境）费变化原因": "three_public.overseas_reason",
    "公务用车购置及运行费变化原因": "three_public.vehicles_reason",
    "公务接待费变化原因": "three_public.reception_reason",
    "公务接待费用途": "three_public.reception_purpose",
    "因公出国（境）费用途": "three_public.overseas_purpose",
    "公务用车用途": "three_public.vehicles_purpose",
    "政府采购补充说明": "procurement",
    "国有资产补充说明": "assets",
    "公务用车购置费变化原因": "three_public.vehicles_purchase_reason",
    "公务用车运行维护费变化原因": "three_public.vehicles_running_reason",
    "“三公”经费合计变化原因": "three_public.total_reason",
    "总体绩效目标": "performance_overall",
    "分类绩效目标": "performance_by_category",
    "工作保障措施": "performance_measures",
    "其他需说明的事项": "other_matters",
    "政府性基金预算变化原因": "government_fund_change_reason",
    "国有资本经营预算变化原因": "state_capital_change_reason",
    "运行经费主要构成": "running_cost_items",
}

SHEET_BY_NAME = {sheet.name: sheet for sheet in (GENERAL, *SHEETS)}
LIST_SHEET = "代码表"
