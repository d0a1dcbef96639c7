"""The words of the patch register: blacklist and reconciliation headers, export layouts.

Examples
--------
>>> BLACKLIST_HEADERS["responsible_party"]
'责任主体'
>>> [name for name, _ in EXPORT_LAYOUTS["2026"]][:2]
['线索编号', 'XZQDM']
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "BLACKLIST_HEADERS",
    "BLACKLIST_REASONS",
    "BLACKLIST_TITLE",
    "BLACKLIST_UNITS",
    "EXPORT_LAYOUTS",
    "RECONCILE_BREAKS",
    "RECONCILE_HEADERS",
    "RECONCILE_TITLE",
    "REPEAT_YES",
]

BLACKLIST_TITLE = "违法用地黑名单"
"""The blacklist sheet's title (黑名单 of the work plan §5(二))."""

BLACKLIST_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "responsible_party": "责任主体",
        "n_patches": "违法图斑（宗）",
        "n_cases": "立案（件）",
        "illegal_area_mu": "违法面积（亩）",
        "illegal_farmland_mu": "违法占用耕地（亩）",
        "n_unrectified": "未整改（宗）",
        "n_batches": "涉及批次数",
        "batches": "涉及批次",
        "repeat_offence": "屡查屡犯",
        "case_numbers": "立案号",
        "patch_ids": "图斑编号",
        "reasons": "列入理由",
    }
)
"""Column → Chinese header of the blacklist table and its Excel sheet."""

BLACKLIST_UNITS = "面积单位：亩"
"""The unit line of the blacklist sheet."""

REPEAT_YES = "是"
"""The 屡查屡犯 cell of a repeat offender."""

BLACKLIST_REASONS: Mapping[str, str] = MappingProxyType(
    {
        "min_patches": "违法图斑 {value} 宗（≥ {limit}）",
        "min_area_mu": "违法面积 {value:.2f} 亩（≥ {limit}）",
        "min_batches": "{value} 个批次均有违法（屡查屡犯，≥ {limit}）",
        "min_unrectified": "未整改 {value} 宗（≥ {limit}）",
    }
)
"""Why a party is listed, by criterion of :class:`rsgeo.options.BlacklistOptions`."""

RECONCILE_TITLE = "图斑台账勾稽核对"
"""Title of the register's reconciliation table."""

RECONCILE_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "batch": "批次",
        "delivered": "原始下发（宗）",
        "split": "拆分图斑（宗）",
        "parts": "拆分后子图斑（宗）",
        "verified": "核实后（宗）",
        "illegal": "违法（宗）",
        "rectified": "已整改（宗）",
        "unrectified": "未整改（宗）",
        "demolished": "拆除（宗）",
        "permits": "补办（宗）",
        "other_rectified": "其他整改方式（宗）",
        "breaks": "勾稽不符",
    }
)
"""Column → Chinese header of :meth:`rsgeo.Register.reconcile`."""

RECONCILE_BREAKS: Mapping[str, str] = MappingProxyType(
    {
        "total": "总 ≠ 已整改 + 未整改（记为未整改却填了整改日期或面积：{ids}）",
        "rectified": "已整改 ≠ 拆除 + 补办（其他整改方式：{ids}）",
        "verified": "核实后 ≠ 原始下发 − 拆分 + 子图斑（子图斑面积之和不符：{ids}）",
    }
)
"""The breaks :meth:`rsgeo.Register.reconcile` names."""

EXPORT_LAYOUTS: Mapping[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        # the national platform's 2020 export (DOMAIN.md §5)
        "2020": (
            ("NF", "year"),
            ("JD", "batch"),
            ("XZQDM", "township_code"),
            ("JCBH", "patch_id"),
            ("XFSJ", "delivered_on"),
            ("PDJG", "determination"),
            ("JCMJ", "reported_area_m2"),
            ("TBLX", "change_type"),
            ("QSX", "date_before"),
            ("HSX", "date_after"),
            ("LZB", "center_lon"),
            ("BZB", "center_lat"),
            ("WFLX", "illegal_type"),
            ("PDYJSM", "determination_note"),
            ("TYWZJCTBWQBH", "earlier_id"),
        ),
        # the 2026 clue table: the clue's fields, then its 核实认定 and rectification
        "2026": (
            ("线索编号", "patch_id"),
            ("XZQDM", "township_code"),
            ("TBLX", "change_type"),
            ("MJ", "reported_area_m2"),
            ("QSX", "date_before"),
            ("HSX", "date_after"),
            ("原线索编号", "parent_id"),
            ("核实认定意见", "determination"),
            ("认定子类", "determination_subtype"),
            ("违法类型", "illegal_type"),
            ("违法面积", "illegal_area_m2"),
            ("违法占用耕地面积", "illegal_farmland_m2"),
            ("整改方式", "rectification_method"),
            ("整改日期", "rectification_date"),
            ("整改面积", "rectified_area_m2"),
            ("立案号", "case_number"),
            ("责任主体", "responsible_party"),
        ),
    }
)
"""Export field name → register column, in order, of each layout (:meth:`rsgeo.Register.export`)."""
