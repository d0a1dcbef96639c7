"""What a patch dossier says: its sections, built once and rendered as HTML and PDF."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.geo.units import M2_PER_MU, format_half_up
from rsgeo.outputs.dossier.location_map import LocationMap
from rsgeo.schema.labels import (
    CLASS_SOURCE_LABELS,
    COLUMN_LABELS,
    FLAG_LABELS,
    LAYER_LABELS,
    LAYER_NAMES,
    OUTSIDE_TOWNSHIPS_NAME,
    SEVERITY_NAMES,
    SIGNATURE_LABELS,
)
from rsgeo.schema.review_rules import RULES

__all__ = [
    "LAYER_NAMES",
    "Findings",
    "Row",
    "Section",
    "dossier_sections",
    "finding_triples",
    "fmt",
    "layer_keys",
]


_NOT_LAYER_M2 = {
    "area_m2",
    "reported_area_m2",
    "illegal_area_m2",
    "illegal_farmland_m2",
    "rectified_area_m2",
    "farmland_net_m2",
    "outside_townships_m2",
}

_FLAGS = tuple(FLAG_LABELS.items())


@dataclass
class Section:
    """One section of a dossier.

    ``kind`` is ``"kv"`` (payload: list of (label, value)), ``"table"``
    (payload: (headers, rows)), ``"images"`` (list of (caption, relative
    path); ``extra["map"]``: a location map's (caption, map) drawn before
    them), ``"files"`` (list of (name, relative path)) or ``"text"``.
    """

    key: str
    title: str
    kind: str
    payload: Any
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def fmt(value: Any, *, digits: int = 2) -> str:
    """A cell value as report text ("—" when missing).

    >>> fmt(1234.5678), fmt(None), fmt(float("nan")), fmt(True), fmt("x")
    ('1234.57', '—', '—', '是', 'x')
    """
    if value is None:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, pd.Timestamp | dt.datetime):
        return "—" if pd.isna(value) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return format_half_up(float(value), digits)
    if isinstance(value, int | np.integer):
        return str(int(value))
    try:
        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    text = str(value).strip()
    return text if text else "—"


def _joined(*parts: str) -> str:
    kept = [p for p in parts if p and p != "—"]
    return " ".join(kept) if kept else "—"


Row = Mapping[str, Any]
"""One patch's values by column name (a dict, or a pandas Series made into one)."""


def _get(row: Row, name: str) -> Any:
    return row.get(name)


def _num(row: Row, name: str) -> float:
    value = row.get(name)
    try:
        return float(value) if value is not None else np.nan
    except (TypeError, ValueError):
        return np.nan


def layer_keys(columns: Any) -> list[str]:
    """Layer keys of the ``{key}_m2`` overlap columns, known layers first.

    >>> layer_keys(["area_m2", "pbf_m2", "approved_m2", "foo_m2", "reported_area_m2"])
    ['pbf', 'approved', 'foo']
    """
    keys = [
        c[:-3]
        for c in columns
        if isinstance(c, str) and c.endswith("_m2") and c not in _NOT_LAYER_M2
    ]
    known = [k for k in LAYER_NAMES if k in keys]
    return known + sorted(k for k in keys if k not in LAYER_NAMES)


def _identification(row: Row, patch_id: str, lonlat: tuple[float, float] | None) -> Section:
    area = _num(row, "area_m2")
    town = " ".join(
        x for x in (fmt(_get(row, "township_name")), f"({fmt(_get(row, 'township_code'))})") if x
    )
    items = [
        ("监测编号", patch_id),
        ("所在乡镇", town),
        ("县名称", fmt(_get(row, "county_name"))),
        ("监测批次", fmt(_get(row, "batch"))),
        (COLUMN_LABELS["change_type"], fmt(_get(row, "change_type"))),
        (COLUMN_LABELS["date_before"], fmt(_get(row, "date_before"))),
        (COLUMN_LABELS["date_after"], fmt(_get(row, "date_after"))),
        (
            COLUMN_LABELS["land_class_name"],
            _joined(fmt(_get(row, "land_class_code")), fmt(_get(row, "land_class_name"))),
        ),
        ("监测面积（平方米）", fmt(_num(row, "reported_area_m2"))),
        ("计算面积（平方米）", fmt(area)),
        ("计算面积（亩）", fmt(area / M2_PER_MU)),
    ]
    if lonlat is not None:
        items.append(("中心点经纬度", f"{lonlat[0]:.6f}°E, {lonlat[1]:.6f}°N"))
    outside = _num(row, "outside_townships_m2")
    if not np.isnan(outside) and outside > 0:
        items.append((f"{OUTSIDE_TOWNSHIPS_NAME}（平方米）", fmt(outside)))
    if "n_townships" in row and _num(row, "n_townships") > 1:
        items.append(("跨乡镇", f"跨 {fmt(_get(row, 'n_townships'))} 个乡镇，按面积最大者归属"))
    return Section("identification", "一、图斑基本信息", "kv", items)


@functools.lru_cache(maxsize=8)
def _layer_columns(columns: tuple[Any, ...]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """Each layer key with its attribute columns and their labels (worked out once per table)."""
    found = []
    ordered = sorted(c for c in columns if isinstance(c, str))
    for key in layer_keys(columns):
        attrs = tuple(
            (col, COLUMN_LABELS.get(col, col[len(key) + 1 :]))
            for col in ordered
            if col.startswith(f"{key}_") and not re.search(r"_(m2|mu|ha|share)$", col)
        )
        found.append((key, attrs))
    return tuple(found)


def _overlay(row: Row) -> Section:
    area = _num(row, "area_m2")
    headers = ["图层", "重叠面积（平方米）", "重叠面积（亩）", "占图斑面积", "相关属性"]
    rows = []
    for key, columns in _layer_columns(tuple(row)):
        m2 = _num(row, f"{key}_m2")
        share = m2 / area if area and area > 0 and not np.isnan(m2) else np.nan
        attrs = []
        for col, name in columns:
            value = fmt(row[col])
            if value != "—":
                attrs.append(f"{name}：{value}")
        rows.append(
            [
                LAYER_NAMES.get(key, key),
                fmt(m2),
                fmt(m2 / M2_PER_MU),
                "—" if np.isnan(share) else f"{format_half_up(share * 100)}%",
                "；".join(attrs) or "—",
            ]
        )
        if key == "farmland" and "farmland_net_m2" in row:
            net = _num(row, "farmland_net_m2")
            rows.append([LAYER_LABELS["farmland_net"], fmt(net), fmt(net / M2_PER_MU), "—", "—"])
    note = "" if rows else "结果表中没有叠加分析面积字段。"
    return Section("overlay", "三、叠加分析", "table", (headers, rows), note=note)


def _determination(row: Row) -> Section:
    flags = [label for col, label in _FLAGS if col in row and fmt(row[col]) == "是"]
    items = [
        (COLUMN_LABELS["final_class"], fmt(_get(row, "final_class"))),
        (
            COLUMN_LABELS["class_source"],
            CLASS_SOURCE_LABELS.get(str(_get(row, "class_source")), fmt(_get(row, "class_source"))),
        ),
        (COLUMN_LABELS["determination"], fmt(_get(row, "determination"))),
        (COLUMN_LABELS["determination_subtype"], fmt(_get(row, "determination_subtype"))),
        (COLUMN_LABELS["actual_use"], fmt(_get(row, "actual_use"))),
        ("系统建议分类", fmt(_get(row, "suggested_class"))),
        ("系统建议子类", fmt(_get(row, "suggested_subtype"))),
        ("系统建议依据", fmt(_get(row, "suggested_reason"))),
        (COLUMN_LABELS["illegal_type"], fmt(_get(row, "illegal_type"))),
        ("违法面积（平方米）", fmt(_num(row, "illegal_area_m2"))),
        ("违法占用耕地面积（平方米）", fmt(_num(row, "illegal_farmland_m2"))),
        ("图斑标记", "、".join(flags) if flags else "无"),
    ]
    return Section("determination", "四、合法性判定及依据", "kv", items)


def _rectification(row: Row) -> Section:
    items = [
        (COLUMN_LABELS["case_number"], fmt(_get(row, "case_number"))),
        (COLUMN_LABELS["responsible_party"], fmt(_get(row, "responsible_party"))),
        (COLUMN_LABELS["rectification_method"], fmt(_get(row, "rectification_method"))),
        (COLUMN_LABELS["rectification_date"], fmt(_get(row, "rectification_date"))),
        ("整改面积（平方米）", fmt(_num(row, "rectified_area_m2"))),
        (COLUMN_LABELS["note"], fmt(_get(row, "note"))),
    ]
    return Section("rectification", "五、查处整改情况", "kv", items)


Findings = pd.DataFrame | Sequence[tuple[Any, Any, Any]]
"""A patch's review findings: a frame with ``rule_id``, ``severity`` and
``message``, or those three as tuples."""


def finding_triples(findings: Findings) -> list[tuple[str, str, str]]:
    """(rule id, severity, message) of each finding, as text.

    >>> finding_triples(pd.DataFrame({"rule_id": ["R03"], "severity": ["error"], "message": ["m"]}))
    [('R03', 'error', 'm')]
    """
    if isinstance(findings, pd.DataFrame):
        columns = [findings[c].astype(str).tolist() for c in ("rule_id", "severity", "message")]
        return list(zip(*columns, strict=True))
    return [(str(r), str(s), str(m)) for r, s, m in findings]


def _findings(findings: Findings) -> Section:
    headers = ["规则编号", "规则名称", "严重程度", "问题说明"]
    rows = [
        [
            rule,
            RULES[rule].name_zh if rule in RULES else "",
            SEVERITY_NAMES.get(severity, severity),
            message,
        ]
        for rule, severity, message in finding_triples(findings)
    ]
    note = "" if rows else "数据审核未发现问题。"
    return Section("findings", "七、数据审核意见", "table", (headers, rows), note=note)


def dossier_sections(
    row: Row | pd.Series,
    patch_id: str,
    *,
    lonlat: tuple[float, float] | None,
    location_map: LocationMap | None,
    chips: list[tuple[str, str]],
    chip_notes: list[str],
    outlines: dict[str, list[list[tuple[float, float]]]] | None = None,
    photos: list[tuple[str, str]],
    files: list[tuple[str, str]],
    findings: Findings,
    azimuths: dict[str, float] | None = None,
) -> list[Section]:
    """All sections of one dossier, in order (paths are relative to the dossier folder).

    ``location_map`` is drawn first in the section of maps, over its caption.

    ``photos`` are (caption, path) pairs; a caption may hold several lines (a
    field photo's time, azimuth and position); ``azimuths`` gives the shooting
    direction (degrees from north) of the photos that have one, by path; ``outlines``
    the patch's outline over each chip, by path (rings in fractions of the picture, from
    its top left corner: :data:`rsgeo.outputs.dossier.chips.Outline`).
    """
    values: Row = {str(k): v for k, v in row.items()} if isinstance(row, pd.Series) else row
    images = list(chips)
    imagery_note = "；".join(chip_notes) if chip_notes else ""
    if not chips and not chip_notes:
        imagery_note = "未提供前后时相影像。"
    return [
        _identification(values, patch_id, lonlat),
        Section(
            "maps",
            "二、位置图及前后时相影像",
            "images",
            images,
            note=imagery_note,
            extra={
                "map": None if location_map is None else ("位置示意图", location_map),
                "outlines": dict(outlines or {}),
            },
        ),
        _overlay(values),
        _determination(values),
        _rectification(values),
        Section(
            "attachments",
            "六、现场照片及附件",
            "images",
            photos,
            note="" if (photos or files) else "无现场照片及附件。",
            extra={"files": files, "azimuths": dict(azimuths or {})},
        ),
        _findings(findings),
        Section(
            "signatures",
            "八、签字",
            "sign",
            [SIGNATURE_LABELS[k] for k in ("surveyor", "reviewer", "date")],
        ),
    ]
