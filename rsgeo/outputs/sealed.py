"""The sealed military-land output (军用土地图斑, 机要件).

The work plan requires patches on military land to be reported separately
under seal. :func:`write_sealed` writes them — and only them — into one
clearly marked folder (``机要_军用土地图斑_不得随普通成果报送``) holding the
military-land register workbook (军用土地登记表.xlsx), optionally the patch
geometry as a GeoPackage, and a notice. Ordinary outputs carry only the count
(:func:`military_count`, :func:`sealed_notice`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rsgeo.errors import InputError, OutputExistsError
from rsgeo.geo.units import M2_PER_MU, format_half_up, round_half_up
from rsgeo.outputs.excel import Looks, new_workbook, save_workbook, write_rows
from rsgeo.schema.labels import COLUMN_LABELS, TOTAL_ROW_NAME
from rsgeo.schema.military import ambiguous_military, is_military
from rsgeo.stats.township import OUTSIDE_LABEL, TOTAL_LABEL, row_name

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "SEALED_FOLDER",
    "SEALED_WORKBOOK",
    "military_count",
    "sealed_notice",
    "write_sealed",
]

SEALED_FOLDER = "机要_军用土地图斑_不得随普通成果报送"
"""Name of the sealed folder created under ``outdir``."""
SEALED_WORKBOOK = "军用土地登记表.xlsx"
SEALED_GPKG = "军用土地图斑.gpkg"
NOTICE_FILE = "机要说明.txt"

_NOTICE = (
    "机要\n\n"
    "本文件夹存放军用土地图斑，属机要件，按规定单独报送。\n"
    "不得复制到普通成果（统计表、图件、卷宗、审核记录、CSV 等）中，不得公开或通过互联网传输。\n"
    "普通成果中只注明军用土地图斑的个数。\n"
)

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("patch_id", "监测编号"),
    ("township_code", COLUMN_LABELS["township_code"]),
    ("township_name", "乡镇名称"),
    ("batch", "监测批次"),
    ("change_type", COLUMN_LABELS["change_type"]),
    ("date_before", COLUMN_LABELS["date_before"]),
    ("date_after", COLUMN_LABELS["date_after"]),
    ("reported_area_m2", "监测面积（平方米）"),
    ("area_m2", "计算面积（平方米）"),
    ("area_mu", "计算面积（亩）"),
    ("final_class", COLUMN_LABELS["final_class"]),
    ("determination", COLUMN_LABELS["determination"]),
    ("determination_subtype", COLUMN_LABELS["determination_subtype"]),
    ("actual_use", COLUMN_LABELS["actual_use"]),
    ("note", COLUMN_LABELS["note"]),
)


def military_count(result: pd.DataFrame) -> int:
    """How many military-land patches a table holds (the only figure ordinary outputs show).

    >>> military_count(pd.DataFrame({"flag_military": [True, False, True]}))
    2
    """
    return int(is_military(result).sum())


def sealed_notice(n_military: int) -> str:
    """The sentence ordinary reports carry instead of the military patches.

    >>> sealed_notice(2)
    '另有军用土地图斑 2 个，按机要件单独报送，未列入本成果。'
    >>> sealed_notice(0)
    ''
    """
    return (
        f"另有军用土地图斑 {n_military} 个，按机要件单独报送，未列入本成果。" if n_military else ""
    )


def _register(military: pd.DataFrame) -> pd.DataFrame:
    frame = military.copy()
    if "patch_id" not in frame.columns:
        frame = frame.reset_index()
        first = frame.columns[0]
        frame = frame.rename(columns={first: "patch_id"})
    if "area_m2" in frame.columns:
        frame["area_mu"] = pd.to_numeric(frame["area_m2"], errors="coerce") / M2_PER_MU
    out = pd.DataFrame({"序号": np.arange(1, len(frame) + 1)})
    for col, label in _COLUMNS:
        if col in frame.columns:
            values = frame[col].reset_index(drop=True)
            if col.endswith(("_m2", "_mu")):
                values = pd.Series(
                    round_half_up(
                        pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64"), 2
                    )
                )
            out[label] = values.to_numpy()
    return out


_STATS_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("n_patches", "图斑数（个）", 1.0),
    ("n_illegal", "违法图斑（个）", 1.0),
    ("area_m2", "图斑面积（亩）", M2_PER_MU),
    ("illegal_farmland_after_deductions_m2", "违法占用耕地面积（扣减后，亩）", M2_PER_MU),
)


def _stats_sheet(ws: Any, stats: pd.DataFrame, red: Any) -> None:
    """The sealed patches' statistics: townships that have any, and the total."""
    looks = Looks(ws)
    shown = [(c, h, f) for c, h, f in _STATS_COLUMNS if c in stats.columns]
    rows: list[list[Any]] = [
        [looks.cell("机要", font=red)],
        [COLUMN_LABELS["township_code"], "乡镇名称", *(h for _, h, _ in shown)],
    ]
    has = stats["n_patches"].astype("int64") > 0
    for code, row in stats.loc[has.to_numpy()].iterrows():
        values = [row[c] / f if f != 1.0 else int(row[c]) for c, _, f in shown]
        values = [round_half_up(v, 2) if isinstance(v, float) else v for v in values]
        label = "" if str(code) == OUTSIDE_LABEL else str(code)
        label = TOTAL_ROW_NAME if str(code) == TOTAL_LABEL else label
        name = "" if str(code) == TOTAL_LABEL else row_name(code, row.get("township_name", ""))
        rows.append([label, name, *values])
    write_rows(ws, rows)


def _ambiguous_sheet(ws: Any, unsure: pd.DataFrame, red: Any) -> None:
    """Patches whose military marking is ambiguous: sealed until a person decides."""
    looks = Looks(ws)
    rows: list[list[Any]] = [
        [looks.cell("机要：军用标记不明确的图斑，暂按军用土地单独报送，请核实认定", font=red)],
        ["监测编号", "是否军用（原值）", "认定结果", "认定人", "认定日期"],
    ]
    marks = (
        unsure["military"] if "military" in unsure.columns else pd.Series("", index=unsure.index)
    )
    for pid, mark in zip(unsure.index.astype(str), marks.tolist(), strict=True):
        rows.append([pid, "" if mark is None else str(mark), "", "", ""])
    write_rows(ws, rows)


def write_sealed(
    result: pd.DataFrame,
    outdir: str | Path,
    *,
    stats: pd.DataFrame | None = None,
    geodata: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Write the military-land patches, and only them, to the sealed folder.

    Parameters
    ----------
    result : DataFrame or GeoDataFrame
        Patch-level table (``docs/columns.md``); military patches are picked
        with :func:`rsgeo.schema.military.is_military`.
    outdir : path
        Parent folder; the sealed folder :data:`SEALED_FOLDER` is created in
        it. Keep it apart from the ordinary outputs.
    stats : DataFrame, optional
        The military-land patches' own statistics,
        ``rsgeo.township_stats(..., sealed=True)``: written as the sheet
        乡镇统计（机要）, townships with sealed patches only.
    geodata : bool, default True
        Also write the geometry as a GeoPackage (when ``result`` has one).

    Patches sealed only because their military marking is ambiguous (待定,
    不详 …) are listed on the sheet 待认定 for a person to decide; they are
    never published in the meantime.
    overwrite : bool, default False
        Replace an existing sealed workbook; otherwise raise
        :class:`OutputExistsError`.

    Returns
    -------
    dict
        ``n_military``, ``folder``, ``workbook``, ``gpkg`` (paths, None when
        nothing was written because there is no military patch).
    """
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    if not isinstance(result, pd.DataFrame):
        raise InputError(f"result must be a DataFrame, not {type(result).__name__}")
    mask = is_military(result).to_numpy()
    n = int(mask.sum())
    report: dict[str, Any] = {"n_military": n, "folder": None, "workbook": None, "gpkg": None}
    if n == 0:
        return report
    folder = Path(outdir) / SEALED_FOLDER
    workbook = folder / SEALED_WORKBOOK
    gpkg = folder / SEALED_GPKG
    if workbook.exists() and not overwrite:
        raise OutputExistsError(f"{workbook} exists; pass overwrite=True to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    military = result.loc[mask]
    table = _register(military)

    wb = new_workbook()
    ws = wb.create_sheet("军用土地登记表")
    ws.sheet_properties.tabColor = "C00000"
    wb.properties.title = "军用土地登记表（机要）"
    wb.properties.keywords = "机要"
    red = Font(bold=True, color="C00000", size=14)
    looks = Looks(ws)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    text_cols = {c for c in table.columns if c in ("监测编号", COLUMN_LABELS["township_code"])}
    rows: list[list[Any]] = [
        [looks.cell("机要", font=red)],
        [
            looks.cell(
                "军用土地登记表（按机要件单独报送，不得随普通成果报送）",
                font=Font(bold=True, size=12),
            )
        ],
        [looks.cell(c, font=bold, fill=fill) for c in table.columns],
    ]
    for values in table.itertuples(index=False):
        rows.append(
            [
                looks.cell(v, number_format="@") if c in text_cols else v
                for c, v in zip(table.columns, values, strict=True)
            ]
        )
    total_mu = float(table["计算面积（亩）"].sum()) if "计算面积（亩）" in table else float("nan")
    rows.append([])
    rows.append(
        [TOTAL_ROW_NAME, f"{n} 个图斑"]
        + ([f"{format_half_up(total_mu)} 亩"] if not np.isnan(total_mu) else [])
    )
    ws.freeze_panes = "A4"
    for j, col in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = max(10, len(col) * 2)
    write_rows(ws, rows)
    if COLUMN_LABELS["township_code"] in table.columns:
        sums = wb.create_sheet("按乡镇汇总")
        group_cols = [COLUMN_LABELS["township_code"]] + (
            ["乡镇名称"] if "乡镇名称" in table.columns else []
        )
        grouped = table.groupby(group_cols, dropna=False, sort=True)
        sum_rows: list[list[Any]] = [
            [Looks(sums).cell("机要", font=red)],
            [*group_cols, "图斑数", "计算面积（亩）"],
        ]
        for key, sub in grouped:
            keys = list(key) if isinstance(key, tuple) else [key]
            area = float(sub["计算面积（亩）"].sum()) if "计算面积（亩）" in sub else None
            sum_rows.append([*keys, len(sub), None if area is None else round(area, 2)])
        write_rows(sums, sum_rows)
    if stats is not None:
        _stats_sheet(wb.create_sheet("乡镇统计（机要）"), stats, red)
    unsure = ambiguous_military(military).to_numpy()
    if unsure.any():
        _ambiguous_sheet(wb.create_sheet("待认定"), military.loc[unsure], red)
    save_workbook(wb, workbook)
    (folder / NOTICE_FILE).write_text(_NOTICE, encoding="utf-8")
    report.update(folder=folder, workbook=workbook)
    if geodata and hasattr(military, "geometry") and hasattr(military, "to_file"):
        frame: gpd.GeoDataFrame = military.copy()  # has geometry and to_file (checked above)
        if "patch_id" not in frame.columns:
            frame = frame.reset_index()
        for col in frame.columns:
            if col != frame.geometry.name and frame[col].dtype == object:
                frame[col] = frame[col].astype("string")
        if gpkg.exists():
            gpkg.unlink()
        frame.to_file(gpkg, layer="military_patches", driver="GPKG")
        report["gpkg"] = gpkg
    return report
