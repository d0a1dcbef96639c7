"""The Chinese label of every layer, column, flag, rule and criterion rsgeo shows.

Workbooks, maps, dossiers and the review record take their words from here,
so one thing is called by one name in every output.

Examples
--------
>>> LAYER_NAMES["pbf"], FLAG_LABELS["flag_pbf"], COLUMN_LABELS["final_class"]
('永久基本农田', '占用永久基本农田', '最终分类')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "CHANGE_TYPE_NAMES",
    "CLASS_SOURCE_LABELS",
    "COLUMN_LABELS",
    "CRITERION_NAMES",
    "DENOMINATOR_SOURCE_LABELS",
    "FLAG_LABELS",
    "GEOMETRY_STATUS_LABELS",
    "LAYER_LABELS",
    "LAYER_NAMES",
    "MAP_LABELS",
    "OUTSIDE_TOWNSHIPS_NAME",
    "PRINT_LABELS",
    "ROLE_LABELS",
    "RULE_LABELS",
    "SEVERITY_NAMES",
    "TOTAL_ROW_NAME",
]

LAYER_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "farmland": "耕地",
        "pbf": "永久基本农田",
        "redline": "生态保护红线",
        "urban": "城镇开发边界",
        "protected": "自然保护地",
        "approved": "批准用地",
        "facility": "设施农用地",
        "temporary": "临时用地",
        "mining_rights": "采矿权",
    }
)
"""Chinese names of the reference layers by layer key, in the order reports
list them. (Military land is never shown in ordinary outputs, so it has no
entry here.)"""

LAYER_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "farmland": LAYER_NAMES["farmland"],
        "farmland_net": "耕地（扣除田坎）",
        **{k: v for k, v in LAYER_NAMES.items() if k != "farmland"},
        "townships": "乡镇界线",
    }
)
"""What maps and popups call each layer: the layer names, net farmland and township lines."""

ROLE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        **{r: LAYER_NAMES[r] for r in ("approved", "facility", "temporary", "pbf", "redline")},
        "mining": LAYER_NAMES["mining_rights"],
        **{r: LAYER_NAMES[r] for r in ("protected", "urban")},
        "military": "军用土地",
    }
)
"""Chinese names of the classification roles (``ClassificationRules.layer_keys``)."""

RULE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "pseudo": "伪变化",
        **{r: ROLE_LABELS[r] for r in ("approved", "facility", "temporary", "mining")},
        "agricultural": "农业结构调整",
        "construction": "建设类",
    }
)
"""Chinese names of the classification rules (``rsgeo.schema.classes.RULES``)."""

CHANGE_TYPE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "01": "耕地",
        "02": "园地",
        "03": "林地",
        "04": "草地",
        "KT": "坑塘",
        "20": "建筑",
        "YH": "硬化",
        "DT": "动土",
        "TD": "土堆",
        "TP": "推平",
        "DL": "道路",
        "DL1": "道路（已建成）",
        "DL2": "道路（在建）",
        "DL3": "道路（路网）",
        "TL": "铁路",
        "ND": "农村道路",
        "SJ": "水工建筑",
        "CK": "采矿",
        "GF": "光伏",
        "SM": "水面",
        "SK": "水库",
        "HL": "河流",
        "GQ": "沟渠",
        "WL": "瓦砾",
        "YT": "盐田",
        "LD": "公园绿地",
        "QT": "其他",
        "GEF": "高尔夫球场",
        "ZQC": "足球场",
        "JC": "机场",
        "LT": "裸土",
        "LY": "裸岩",
        "WH": "围海",
        "TH": "填海",
    }
)
"""Chinese names of the change types (TBLX), the 2020 codes and the 2026 table
(DOMAIN.md §5). Keys are normalised codes (:func:`rsgeo.schema.classes.normalize_code`:
``1`` and ``01`` alike); what each code means for the classification rules is
:data:`rsgeo.schema.classes.CHANGE_TYPE_KINDS`."""

FLAG_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "flag_pbf": "占用永久基本农田",
        "flag_redline": "占用生态保护红线",
        "flag_protected": "涉及自然保护地",
        "in_urban": "位于城镇开发边界内",
        "flag_mineral": "矿产图斑",
        "flag_rare_earth": "涉及稀土等重要矿种",
    }
)
"""One label per patch flag; a yes/no column is headed 是否 + the label."""

CLASS_SOURCE_LABELS: Mapping[str, str] = MappingProxyType(
    {"determination": "人工判定", "suggested": "系统建议（尚无人工判定）"}
)
"""Where a patch's final class comes from (``class_source``)."""

COLUMN_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "township_name": "乡镇",
        "township_code": "乡镇代码",
        "batch": "批次",
        "change_type": "图斑类型",
        "date_before": "前时相",
        "date_after": "后时相",
        "land_class_name": "原地类",
        "suggested_class": "建议分类",
        "suggested_subtype": "建议子类",
        "suggested_reason": "分类依据",
        "determination": "判定结果",
        "determination_subtype": "判定子类",
        "actual_use": "实际用途",
        "illegal_type": "违法类型",
        "rectification_method": "整改方式",
        "rectification_date": "整改日期",
        "final_class": "最终分类",
        "class_source": "判定来源",
        "approved_doc_number": "批准文号",
        "mining_rights_licence_number": "采矿权许可证号",
        "case_number": "立案号",
        "deduction_class": "扣减类型",
        "case_age": "新增/存量",
        "responsible_party": "责任主体",
        "note": "备注",
    }
)
"""Chinese labels of the text columns of the patch table, in display order."""

CRITERION_NAMES: Mapping[int, str] = MappingProxyType(
    {
        1: "违法占用耕地比例及面积",
        2: "自然资源管理秩序混乱",
        3: "违法勘查开采矿产资源",
        4: "履职率、查处整改到位率排序靠后",
        5: "数据造假、瞒案不报、压案不查",
    }
)
"""Short Chinese names of the five accountability criteria."""

SEVERITY_NAMES: Mapping[str, str] = MappingProxyType({"error": "错误", "warning": "警告"})
"""Chinese names of the review findings' severities."""

TOTAL_ROW_NAME = "合计"
"""Name of the county total row of every township table."""

OUTSIDE_TOWNSHIPS_NAME = "县外/未落入乡镇"
"""Name of the row crediting the parts of patches outside every township
(over the county line, in a gap between township polygons, or with no
geometry): they are kept and counted there, never dropped."""

GEOMETRY_STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "empty": "输入为空几何（无图形）",
        "collapsed": "修复后无面状部分（面积为零）",
        "nonfinite_vertices": "含无效坐标（NaN/无穷）的顶点已删除，面积随之改变",
        "repaired": "无效几何已自动修复",
        "parts_dropped": "线或点部分已删除",
    }
)
"""What reading did to a patch's geometry (``geometry_status``), most serious first."""

DENOMINATOR_SOURCE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "change_survey": "年度国土变更调查",
        "patches": "卫片图斑推算（未提供年度变更调查数据时的替代口径）",
    }
)
"""Where the ratio's denominator (新增建设用地占用耕地面积) came from: the annual
change survey (the official source; a table's own source text wins), or the
patches (the labelled fallback)."""

MAP_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "criteria_legend": "乡镇问责预警（触发的问责标准）",
        "criterion_1_met": "触发问责标准一（可能还触发其他标准）",
        "other_criteria_met": "触发其他问责标准（未触发标准一）",
        "no_criteria_met": "未触发问责标准",
        "no_data": "无统计数据",
        "criteria_met": "触发的问责标准",
        "criteria_none": "无",
        "ratio": "违法占用耕地比例（扣减后）",
        "illegal_farmland": "违法占用耕地面积（亩，扣减后）",
        "townships_layer": "乡镇（问责预警）",
        "geo_link": "用手机地图导航到此处",
        "geo_coords": "导航坐标（WGS84）",
        "basemap": "离线影像底图",
        "patch_points": "图斑较多，以点表示（点击查看详情）；参考图层见各乡镇外业核查图",
        "patch_points_lean": "图斑较多，以点表示（点击看编号与分类，详情见各乡镇外业核查图）",
        "lean_class": "图斑分类",
        "lean_more": "详情见该乡镇的外业核查图",
        "part_title": "第 {i} 幅（共 {n} 幅）",
        "part_count": "图斑 {n} 个",
        "part_ids": "本幅图斑的监测编号",
        "part_found": "在第 {i} 幅",
        "part_none": "本乡镇没有这个监测编号",
        "part_search": "输入监测编号（或其末几位）查找所在分幅：",
        "parts_summary": "本乡镇图斑 {n_patches} 个，图斑较多，分 {n} 幅外业核查图。制图日期 {date}",
        "part_index_link": "返回本乡镇分幅索引",
    }
)
"""Chinese words of the maps: the county map's criteria shading and popups, the
field maps' navigation link and basemap."""
# --- print-ready review record and dossiers: signature blocks and field photos
__all__ += ["COMPASS_NAMES", "EVIDENCE_PROBLEM_LABELS", "PHOTO_LABELS", "SIGNATURE_LABELS"]

SIGNATURE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "opinion": "审核意见",
        "surveyor": "调查人（签字）",
        "reviewer": "审核人（签字）",
        "checker": "复核人（签字）",
        "date": "日期",
    }
)
"""The boxes of a signature block (review record and dossiers)."""

PHOTO_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "time": "拍摄时间",
        "azimuth": "拍摄方位角",
        "position": "拍摄位置",
        "photographer": "拍摄人",
        "check_code": "校验码",
    }
)
"""The metadata of a field photo (国土调查云 evidence package, table FJ) shown under it."""

COMPASS_NAMES: Mapping[int, str] = MappingProxyType(
    {0: "北", 45: "东北", 90: "东", 135: "东南", 180: "南", 225: "西南", 270: "西", 315: "西北"}
)
"""The eight compass points by azimuth (degrees clockwise from north)."""

EVIDENCE_PROBLEM_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "no_picture": "没有照片数据",
        "corrupt": "照片数据损坏，无法读取",
        "format": "照片格式无法在卷宗中显示",
        "no_position": "没有图斑编号可对应，也没有拍摄位置",
        "outside": "没有图斑编号可对应，拍摄位置不在任何图斑内",
    }
)
"""Why a photo of an evidence package is not placed in a dossier (listed, never dropped)."""

PRINT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "filing_unit": "填报单位",
        "date": "制表日期",
        "area_unit": "面积单位",
        "page_footer": "第 &P 页 共 &N 页",
        "signature": "填表人、审核人、负责人、日期",
        "pieces_sheet": "图斑分乡镇面积",
        "counted": "计入图斑个数",
        "center_x": "中心点X坐标（米）",
        "center_y": "中心点Y坐标（米）",
        "center_lon": "中心点经度",
        "center_lat": "中心点纬度",
        "reported_area": "监测面积JCMJ（平方米）",
        "area_difference": "计算面积与JCMJ之差（平方米）",
    }
)
"""Words of a printed table: the heading (填报单位, 制表日期), the page footer
(Excel codes ``&P``/``&N``), the signature line's roles and the workbook's
added columns and sheets."""

COUNTY_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "workbook": "分县统计.xlsx",
        "county_sheet": "分县汇总",
        "township_sheet": "乡镇汇总（分县）",
        "county_code": "县代码",
        "township_code": "乡镇代码",
        "pct_unit": "%",
        "unplaced_photos": "未归属照片 / evidence photos without a patch",
    }
)
"""Words of the province workbook by county (``rsgeo run --workers/--cluster``); the
county's name and the unit of areas are those of :data:`rsgeo.schema.fields.PATCH_FIELDS`
(``county_name``) and :data:`rsgeo.schema.layer_fields.UNIT_WORDS`."""

__all__ += ["COUNTY_LABELS"]
