"""Short field names and Chinese labels of the result layers (成果图层).

A shapefile's DBF allows field names of at most 10 bytes, so the result
layer written as a shapefile (:mod:`rsgeo.outputs.gis_layers`) gives every
column of the patch table a short name: the ministry's own code for a field
the delivery carries (JCBH, XZQDM, JCMJ …), a short English abbreviation for
a column rsgeo computes. The GeoPackage keeps the full names. Every column
also gets a Chinese label and a unit, written beside the shapefile in the
field table (字段对照.csv) and listed in ``docs/layers.md``.

Columns made from a layer key (``{key}_m2``, ``{key}_{field}``) are named
from :data:`LAYER_ABBREVIATIONS` and :data:`LAYER_FIELD_ABBREVIATIONS`; an
area in 亩 takes the name of its m² column with ``_mu``.

Examples
--------
>>> field_entry("patch_id")
('JCBH', '监测编号', '')
>>> field_entry("approved_doc_number")
('appr_doc', '批准用地文号', '')
>>> field_entry("pbf_mu")
('pbf_mu', '占用永久基本农田面积', '亩')
>>> field_entry("权属单位")
(None, '权属单位', '')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rsgeo.schema.labels import COLUMN_LABELS, FLAG_LABELS, LAYER_LABELS, LAYER_NAMES

__all__ = [
    "FIELD_TABLE_HEADER",
    "LAYER_ABBREVIATIONS",
    "LAYER_FIELD_ABBREVIATIONS",
    "LAYER_FIELD_NAMES",
    "LAYER_FILE_NAMES",
    "TRUNCATED_NOTE",
    "UNIT_WORDS",
    "field_entry",
]

LAYER_FILE_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "folder": "gis",
        "gpkg": "成果图层.gpkg",
        "patches": "图斑成果",
        "pieces": "图斑乡镇分块",
        "field_table": "字段对照.csv",
    }
)
"""Names of the result layers: the folder, the GeoPackage, the two layers
(also the shapefiles' names) and the field table beside the shapefiles."""

FIELD_TABLE_HEADER: tuple[str, ...] = ("图层", "短字段名", "完整字段名", "中文名称", "单位", "说明")
"""Header of the field table (字段对照.csv): layer, short name, full name, label, unit, note."""

TRUNCATED_NOTE = "文本超过 254 字节的已截断（以“…”结尾），全文见 GeoPackage"
"""The field table's note on a text field cut to the DBF's 254 bytes."""

UNIT_WORDS: Mapping[str, str] = MappingProxyType(
    {"_m2": "平方米", "_mu": "亩", "_share": "比例（0–1）"}
)
"""Unit of a column, by the ending of its name."""

LAYER_ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "farmland": "fl",
        "farmland_net": "fl_net",
        "pbf": "pbf",
        "redline": "red",
        "urban": "urb",
        "protected": "prot",
        "approved": "appr",
        "facility": "fac",
        "temporary": "temp",
        "mining_rights": "mine",
    }
)
"""Short names of the layer keys, for ``{key}_m2`` and ``{key}_{field}`` columns."""

LAYER_FIELD_ABBREVIATIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "doc_number": ("doc", "文号"),
        "approval_date": ("date", "批准日期"),
        "land_class_code": ("dlbm", "地类编码"),
        "name": ("name", "名称"),
        "licence_number": ("lic", "许可证号"),
        "mineral": ("min", "矿种"),
        "valid_from": ("from", "有效期起"),
        "valid_to": ("to", "有效期止"),
        "holder": ("holder", "权利人"),
    }
)
"""Short name and Chinese label of a layer attribute in a ``{key}_{field}`` column."""

LAYER_FIELD_NAMES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # the delivery's own fields: the ministry's codes
        "patch_id": ("JCBH", "监测编号"),
        "township_code": ("XZQDM", COLUMN_LABELS["township_code"]),
        "township_name": ("XZQMC", COLUMN_LABELS["township_name"]),
        "county_name": ("XMC", "县名称"),
        "county_code": ("XDM", "县代码"),
        "change_type": ("TBLX", COLUMN_LABELS["change_type"]),
        "date_before": ("QSX", COLUMN_LABELS["date_before"]),
        "date_after": ("HSX", COLUMN_LABELS["date_after"]),
        "reported_area_m2": ("JCMJ", "监测面积"),
        "reported_area_mu": ("JCMJ_MU", "监测面积"),
        "land_class_code": ("DLBM", "地类编码"),
        "land_class_name": ("DLMC", COLUMN_LABELS["land_class_name"]),
        "reported_pbf": ("SFYN", "是否永农（下发）"),
        "reported_redline": ("SFHX", "是否红线（下发）"),
        "military": ("SFJY", "是否军用"),
        "center_lon": ("LZB", "中心点经度"),
        "center_lat": ("BZB", "中心点纬度"),
        "note": ("BZ", COLUMN_LABELS["note"]),
        "batch": ("PC", COLUMN_LABELS["batch"]),
        "batches": ("batches", "下发批次（全部）"),
        # rsgeo's figures
        "area_m2": ("area_m2", "图斑面积（计算）"),
        "geometry_status": ("geom_stat", "图形状态"),
        "outside_townships_m2": ("outside_m2", "未落入乡镇面积"),
        "reported_township_code": ("rep_xzqdm", "乡镇代码（下发）"),
        "n_townships": ("n_towns", "涉及乡镇数"),
        "suggested_class": ("sug_class", COLUMN_LABELS["suggested_class"]),
        "suggested_subtype": ("sug_sub", COLUMN_LABELS["suggested_subtype"]),
        "suggested_reason": ("sug_reason", COLUMN_LABELS["suggested_reason"]),
        "suggested_rule": ("sug_rule", "建议规则"),
        "is_construction": ("is_constr", "是否建设类"),
        "flag_pbf": ("f_pbf", FLAG_LABELS["flag_pbf"]),
        "flag_redline": ("f_redline", FLAG_LABELS["flag_redline"]),
        "flag_protected": ("f_prot", FLAG_LABELS["flag_protected"]),
        "in_urban": ("in_urban", FLAG_LABELS["in_urban"]),
        "flag_mineral": ("f_mineral", FLAG_LABELS["flag_mineral"]),
        "flag_rare_earth": ("f_rare", FLAG_LABELS["flag_rare_earth"]),
        "flag_military": ("f_military", "军用土地标记"),
        "determination": ("det", COLUMN_LABELS["determination"]),
        "determination_subtype": ("det_sub", COLUMN_LABELS["determination_subtype"]),
        "actual_use": ("actual_use", COLUMN_LABELS["actual_use"]),
        "illegal_type": ("ill_type", COLUMN_LABELS["illegal_type"]),
        "illegal_area_m2": ("ill_m2", "违法面积（判定表）"),
        "illegal_farmland_m2": ("ill_fl_m2", "违法占用耕地面积（判定表）"),
        "rectification_method": ("rect_meth", COLUMN_LABELS["rectification_method"]),
        "rectification_date": ("rect_date", COLUMN_LABELS["rectification_date"]),
        "rectified_area_m2": ("rect_m2", "整改面积"),
        "case_number": ("case_no", COLUMN_LABELS["case_number"]),
        "responsible_party": ("resp_party", COLUMN_LABELS["responsible_party"]),
        "determination_note": ("det_note", "判定备注"),
        "deduction_class": ("ded_class", COLUMN_LABELS["deduction_class"]),
        "deduction_date": ("ded_date", "扣减日期"),
        "case_age": ("case_age", COLUMN_LABELS["case_age"]),
        "final_class": ("final_cls", COLUMN_LABELS["final_class"]),
        "class_source": ("cls_source", COLUMN_LABELS["class_source"]),
        "counted_illegal_area_m2": ("cnt_ill_m2", "计入违法面积"),
        "counted_illegal_farmland_m2": ("cnt_ifl_m2", "计入违法占用耕地面积"),
        "deducted_share": ("ded_share", "扣减比例"),
        "is_deducted": ("is_ded", "是否扣减"),
    }
)
"""Short name and Chinese label of each known column of the patch and pieces tables."""


def _unit(column: str) -> str:
    for ending, word in UNIT_WORDS.items():
        if column.endswith(ending):
            return word
    return ""


def field_entry(column: str) -> tuple[str | None, str, str]:
    """(short name or None, Chinese label, unit) of a result-layer column.

    The short name is None for a column rsgeo does not know (a field of the
    delivery it keeps as it came): the writer shortens that name itself.
    """
    unit = _unit(column)
    if column in LAYER_FIELD_NAMES:
        short, label = LAYER_FIELD_NAMES[column]
        return short, label, unit
    if column.endswith("_mu"):
        base = column[: -len("_mu")] + "_m2"
        short_m2, label, _ = field_entry(base)
        if short_m2 is not None and short_m2.endswith("_m2"):
            return short_m2[: -len("_m2")] + "_mu", label, unit
        return None, label, unit
    if column.endswith("_m2"):
        key = column[: -len("_m2")]
        if key in LAYER_ABBREVIATIONS:
            name = LAYER_LABELS.get(key, key)
            return f"{LAYER_ABBREVIATIONS[key]}_m2", f"占用{name}面积", unit
    for key, abbreviation in LAYER_ABBREVIATIONS.items():
        field = column.removeprefix(key + "_")
        if field != column and field in LAYER_FIELD_ABBREVIATIONS:
            short, label = LAYER_FIELD_ABBREVIATIONS[field]
            return f"{abbreviation}_{short}", f"{LAYER_NAMES.get(key, key)}{label}", unit
    return None, column, unit
