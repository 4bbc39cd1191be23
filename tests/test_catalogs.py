"""The 2025 catalogs are complete where the package needs them and consistent with themselves."""

from __future__ import annotations

import pytest

from budgetgen.catalogs import load_catalog
from budgetgen.model.types import UnitKind

CLASSES_2025 = """
一般公共服务支出 外交支出 国防支出 公共安全支出 教育支出 科学技术支出 文化旅游体育与传媒支出 社会保障和就业支出
社会保险基金支出 卫生健康支出 节能环保支出 城乡社区支出 农林水支出 交通运输支出 资源勘探工业信息等支出
商业服务业等支出 金融支出 援助其他地区支出 自然资源海洋气象等支出 住房保障支出 粮油物资储备支出
国有资本经营预算支出 灾害防治及应急管理支出 其他支出 债务还本支出 债务付息支出 债务发行费用支出 抗疫特别国债安排的支出
""".split()


def test_every_class_of_2025_in_the_order_of_the_published_table() -> None:
    # the 28 rows of 附表1 of reference 001
    assert [e.name for e in load_catalog(2025).function_classes()] == CLASSES_2025


def test_codes_are_in_order_and_every_code_has_its_parent() -> None:
    catalog = load_catalog(2025)
    codes = list(catalog.functions)
    assert codes == sorted(codes)
    for code in codes:
        if len(code) > 3:
            assert code[: len(code) - 2] in catalog.functions, code
    for code in catalog.econ:
        if len(code) == 5:
            assert code[:3] in catalog.econ, code


@pytest.mark.parametrize(
    "class_code", ["201", "205", "206", "207", "208", "210", "211", "212", "213", "214", "221", "229"]
)
def test_required_classes_have_sections_and_items(class_code: str) -> None:
    catalog = load_catalog(2025)
    assert any(len(c) == 5 and c.startswith(class_code) for c in catalog.functions)
    assert any(len(c) == 7 and c.startswith(class_code) for c in catalog.functions)


def test_names_and_explanations_used_by_reference_001() -> None:
    catalog = load_catalog(2025)
    assert catalog.function_name("20805") == "行政事业单位养老支出"
    assert catalog.function_name("2080109") == "社会保险经办机构"
    assert catalog.function_name("2089999") == "其他社会保障和就业支出"
    assert catalog.functions["2080505"].explanation.startswith("反映机关事业单位实施养老保险制度由单位缴纳")
    assert catalog.functions["2089999"].explanation  # the reference forgot it; we do not
    assert catalog.econ_name("30239") == "其他交通费用"
    assert catalog.econ_name("30113") == "住房公积金"


def test_every_departmental_section_maps_to_a_government_section() -> None:
    catalog = load_catalog(2025)
    for code in (c for c in catalog.econ if len(c) == 5):
        assert code in catalog.econ_mapping, code
        agency, institution = catalog.econ_mapping[code]
        for target in (agency, institution):
            assert not target or target in catalog.government, (code, target)
    assert catalog.government_code("30101", UnitKind.ADMINISTRATIVE) == "50101"
    assert catalog.government_code("30101", UnitKind.PUBLIC_INSTITUTION) == "50501"
    assert catalog.government_code("3010102", UnitKind.CIVIL_SERVICE_MANAGED) == "50101"


def test_nearest_codes_share_the_longest_prefix() -> None:
    catalog = load_catalog(2025)
    near = catalog.nearest_functions("2080199")
    assert near[0].startswith("20801")
    assert "2080101" in near or "2080199" not in catalog.functions
