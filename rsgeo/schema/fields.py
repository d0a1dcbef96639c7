"""Canonical field names and the aliases seen in real deliveries.

rsgeo renames the fields of every layer it reads to canonical snake_case
names, so the rest of the library (and your scripts) never depend on which
year or province a file came from. This module is the single table of those
names; ``docs/fields.md`` shows the same table for users, and
``rsgeo.read_patches(..., fields={...})`` overrides it for one file.

Matching is case-insensitive and ignores surrounding white space. A source
field that matches no alias keeps its own name.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "DENOMINATOR_FIELDS",
    "DETERMINATION_FIELDS",
    "LAYER_FIELDS",
    "MANUAL_FLAG_FIELDS",
    "OUTSIDE_TOWNSHIP_CODE",
    "PATCH_FIELDS",
    "PLATFORM_FIELDS",
    "PLATFORM_FIGURES",
    "PLATFORM_UNITS",
    "TOWNSHIP_FIELDS",
    "canonical_name",
]

OUTSIDE_TOWNSHIP_CODE = ""
"""``township_code`` of a piece of a patch outside every township polygon."""

# canonical name -> aliases (ministry codes, Chinese names, common variants)
PATCH_FIELDS: dict[str, tuple[str, ...]] = {
    "patch_id": ("JCBH", "TBBH", "监测编号", "图斑编号", "线索编号", "BH", "patch_id"),
    "township_code": ("XZQDM", "行政区代码", "XZDM", "乡镇代码", "township_code"),
    "township_name": ("XZQMC", "行政区名称", "乡镇名称", "township_name"),
    "county_name": ("XMC", "县名称", "county_name"),
    "county_code": ("XDM", "县代码", "county_code"),
    "change_type": ("TBLX", "图斑类型", "change_type"),
    "date_before": ("QSX", "前时相", "date_before"),
    "date_after": ("HSX", "后时相", "date_after"),
    "reported_area_m2": ("JCMJ", "监测面积", "MJ", "面积", "reported_area_m2"),
    "land_class_code": ("DLBM", "地类编码", "land_class_code"),
    "land_class_name": ("DLMC", "地类名称", "land_class_name"),
    "reported_pbf": ("SFYN", "是否永农", "是否占用永久基本农田", "reported_pbf"),
    "reported_redline": ("SFHX", "是否红线", "是否占用生态保护红线", "reported_redline"),
    "center_lon": ("LZB", "中心点经度", "经度", "center_lon"),
    "center_lat": ("BZB", "中心点纬度", "纬度", "center_lat"),
    "batch": ("PC", "批次", "JCPC", "监测批次", "batch"),
    "military": ("SFJY", "是否军用", "军用土地", "military"),
    "note": ("BZ", "备注", "note"),
    # the 2020 national export (DOMAIN.md §5); the platform's own figures and
    # words keep a prefix so they never take the place of rsgeo's columns
    "year": ("NF", "年份", "year"),
    "quarter": ("JD", "季度", "quarter"),
    "original_patch_number": ("YSTBBH", "原始图斑编号", "original_patch_number"),
    "issued_date": ("XFSJ", "下发时间", "issued_date"),
    "platform_determination": ("PDJG", "合法性判定结果", "platform_determination"),
    "reported_farmland_m2": ("JCGDMJ", "监测耕地面积", "reported_farmland_m2"),
    "reported_pbf_m2": ("YJJBNTMJ", "永久基本农田面积", "reported_pbf_m2"),
    "platform_farmland_m2": ("GDMJ", "耕地面积", "platform_farmland_m2"),
    "platform_construction_m2": ("JSYDMJ", "建设用地面积", "platform_construction_m2"),
    "platform_doc_number": ("PZWH", "批准文号", "platform_doc_number"),
    "platform_illegal_type": ("WFLX", "违法类型", "platform_illegal_type"),
    "platform_new_construction_violation": (
        "XZJSYDWFXW",
        "新增建设用地违法行为",
        "platform_new_construction_violation",
    ),
    "platform_existing_construction_violation": (
        "CLJSYDSWFXW",
        "存量建设用地上违法行为",
        "platform_existing_construction_violation",
    ),
    "platform_determination_basis": ("PDYJSM", "判定依据说明", "platform_determination_basis"),
    "platform_review_opinion": ("SHYJ", "审核意见", "platform_review_opinion"),
    "reported_mining_related": ("SFSK", "是否涉矿", "reported_mining_related"),
    "earlier_patch_id": ("TYWZJCTBWQBH", "同一位置往期图斑编号", "earlier_patch_id"),
    # the 2026 clue table
    "clue_tz": ("TZ", "clue_tz"),
    "clue_ddtc": ("DDTC", "clue_ddtc"),
    "construction_land_status": ("JSYDXZ", "建设用地现状", "construction_land_status"),
    "urban_village_code": ("CZCSXM", "城镇村属性码", "urban_village_code"),
    "refinement_code": ("TBXHDM", "图斑细化代码", "refinement_code"),
    "refinement_name": ("TBXHMC", "图斑细化名称", "refinement_name"),
    "planting_code": ("ZZSXDM", "种植属性代码", "planting_code"),
    "planting_name": ("ZZSXMC", "种植属性名称", "planting_name"),
}

# Reference layers (farmland/DLTB, red line, approvals, ...). One table for all
# of them: the same code means the same thing in every layer.
LAYER_FIELDS: dict[str, tuple[str, ...]] = {
    "feature_id": ("BSM", "标识码", "feature_id"),
    "parcel_number": ("TBBH", "图斑编号", "parcel_number"),
    "township_code": ("XZQDM", "ZLDWDM", "行政区代码", "乡镇代码", "township_code"),
    "township_name": ("XZQMC", "ZLDWMC", "行政区名称", "乡镇名称", "township_name"),
    "land_class_code": ("DLBM", "地类编码", "land_class_code"),
    "land_class_name": ("DLMC", "地类名称", "land_class_name"),
    "parcel_area_m2": ("TBMJ", "图斑面积", "parcel_area_m2"),
    "ridge_coef": ("KCXS", "扣除系数", "田坎系数", "ridge_coef"),
    "ridge_area_m2": ("KCMJ", "扣除面积", "田坎面积", "ridge_area_m2"),
    "net_area_m2": ("TBDLMJ", "图斑地类面积", "net_area_m2"),
    "name": ("MC", "名称", "HXMC", "红线名称", "BHDMC", "保护地名称", "name"),
    "doc_number": ("PZWH", "批准文号", "BAH", "备案号", "doc_number"),
    "approval_date": ("PZRQ", "批准日期", "BARQ", "备案日期", "approval_date"),
    "approval_type": ("PZLX", "批准类型", "approval_type"),
    "valid_from": ("YXQQ", "有效期起", "QSRQ", "valid_from"),
    "valid_to": ("YXQZ", "有效期止", "JZRQ", "valid_to"),
    "licence_number": ("XKZH", "许可证号", "licence_number"),
    "mineral": ("KZ", "矿种", "KCZL", "mineral"),
    "holder": ("QLR", "权利人", "holder"),
}

TOWNSHIP_FIELDS: dict[str, tuple[str, ...]] = {
    "township_code": ("XZQDM", "行政区代码", "乡镇代码", "township_code"),
    "township_name": ("XZQMC", "行政区名称", "乡镇名称", "township_name"),
}

# The change survey's denominator table (area header without its unit, e.g. the
# header 新增建设用地占用耕地面积（亩） is matched as 新增建设用地占用耕地面积).
DENOMINATOR_FIELDS: dict[str, tuple[str, ...]] = {
    "area": (
        "新增建设用地占用耕地面积",
        "新增建设用地占用耕地",
        "占用耕地面积",
        "denominator",
        "area_m2",
        "area_mu",
        "area_ha",
    ),
    "source": ("来源", "数据来源", "source"),
}

# The technicians' determinations table (Excel/CSV from field verification).
DETERMINATION_FIELDS: dict[str, tuple[str, ...]] = {
    "patch_id": ("监测编号", "JCBH", "图斑编号", "线索编号", "patch_id"),
    "determination": (
        "判定结果",
        "判定类型",
        "合法性判定",
        "图斑性质",
        "性质判定",
        "判定",
        "核实认定意见",
        "认定意见",
        "PDJG",
        "determination",
    ),
    "determination_subtype": (
        "判定子类",
        "子类型",
        "细化类型",
        "认定子类",
        "determination_subtype",
    ),
    "actual_use": ("实际用途", "现状用途", "actual_use"),
    "illegal_type": ("违法类型", "WFLX", "illegal_type"),
    "illegal_area_m2": (
        "违法面积（平方米）",
        "违法面积(平方米)",
        "违法面积",
        "违法用地面积",
        "illegal_area_m2",
    ),
    "illegal_farmland_m2": (
        "违法占用耕地面积（平方米）",
        "违法占用耕地面积(平方米)",
        "违法占用耕地面积",
        "违法占用耕地",
        "illegal_farmland_m2",
    ),
    "rectification_method": ("整改方式", "整改措施", "整改类型", "rectification_method"),
    "rectification_date": (
        "整改日期",
        "整改到位日期",
        "整改时间",
        "整改完成日期",
        "rectification_date",
    ),
    "rectified_area_m2": (
        "整改面积（平方米）",
        "整改面积(平方米)",
        "整改面积",
        "已整改面积",
        "rectified_area_m2",
    ),
    "case_number": ("立案号", "案件编号", "案号", "立案编号", "case_number"),
    "responsible_party": ("责任主体", "当事人", "违法主体", "responsible_party"),
    "military": ("是否军用", "军用土地", "military"),
    "note": ("备注", "note"),
    # deductions (docs/statistics.md): the class, the day it holds from, 新增/存量
    "deduction_class": ("扣减类型", "扣减类别", "扣减情形", "扣减依据", "deduction_class"),
    "deduction_date": ("扣减日期", "扣减依据日期", "deduction_date"),
    "case_age": ("新增/存量", "新增或存量", "新增存量", "违法用地时序", "case_age"),
}


MANUAL_FLAG_FIELDS: dict[str, tuple[str, ...]] = {
    "criterion": ("criterion", "标准", "问责标准", "条件", "情形"),
    "note": ("note", "备注", "说明", "情况说明", "reason"),
}
"""Headers of the manual flags table (criteria 2 and 5), besides the township fields."""


# The platform's overlay figures per patch (套合结果), for the platform check
# (review rule R19). A header may carry its unit: 耕地面积（亩）, GDMJ(平方米).
PLATFORM_FIELDS: dict[str, tuple[str, ...]] = {
    "patch_id": ("JCBH", "监测编号", "图斑编号", "线索编号", "TBBH", "patch_id"),
    "farmland": ("GDMJ", "耕地面积", "占用耕地面积", "farmland"),
    "reported_farmland": ("JCGDMJ", "监测耕地面积", "reported_farmland"),
    "pbf": ("YJJBNTMJ", "永久基本农田面积", "占用永久基本农田面积", "pbf"),
    "construction": ("JSYDMJ", "建设用地面积", "占用建设用地面积", "construction"),
}

PLATFORM_UNITS: tuple[str, ...] = ("mu", "m2")
"""Units a platform table's figures may be given in when their headers name none."""

PLATFORM_FIGURES: dict[str, tuple[str, str]] = {
    "farmland": ("farmland", "耕地面积（GDMJ）"),
    "reported_farmland": ("farmland", "监测耕地面积（JCGDMJ）"),
    "pbf": ("pbf_m2", "永久基本农田面积（YJJBNTMJ）"),
    "construction": ("construction_m2", "建设用地面积（JSYDMJ）"),
}
"""Each platform figure: the patch-table column rsgeo compares it with, and its name
in the findings. ``farmland`` stands for the farmland basis of the review options
(``farmland_net_m2`` net of ridges, or ``farmland_m2``); ``construction_m2`` is
the overlap with a reference layer keyed ``construction`` (三调 建设用地)."""


def _key(name: str) -> str:
    return name.strip().casefold()


def canonical_name(name: str, table: Mapping[str, tuple[str, ...]]) -> str | None:
    """The canonical name for a source field name, or None when unknown.

    Examples
    --------
    >>> canonical_name("JCBH", PATCH_FIELDS)
    'patch_id'
    >>> canonical_name(" xzqdm ", PATCH_FIELDS)
    'township_code'
    >>> canonical_name("监测编号", PATCH_FIELDS)
    'patch_id'
    >>> canonical_name("XYZ", PATCH_FIELDS) is None
    True
    """
    wanted = _key(name)
    for canonical, aliases in table.items():
        if any(_key(a) == wanted for a in aliases):
            return canonical
    return None
