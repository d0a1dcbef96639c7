"""Popup tables (in Chinese) for patches and townships, every value escaped.

A popup is built as HTML in Python: each label and value goes through
:func:`html.escape`, so a note such as ``<script>alert(1)</script>`` is shown
as text and never runs. Areas are shown in 亩 (from the ``*_m2`` columns, with
:func:`rsgeo.geo.units.m2_to_mu`) to two decimals.
"""

from __future__ import annotations

import functools
import html
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from rsgeo.geo.units import format_half_up, m2_to_mu
from rsgeo.schema.labels import (
    CLASS_SOURCE_LABELS,
    COLUMN_LABELS,
    FLAG_LABELS,
    LAYER_LABELS,
    MAP_LABELS,
)

__all__ = [
    "FIELD_LABELS",
    "LAYER_LABELS",
    "format_value",
    "geo_link_html",
    "geo_uri",
    "patch_popup_html",
    "popup_columns",
    "table_html",
]

_POPUP_FIELDS: tuple[str, ...] = (
    "township_name",
    "township_code",
    "change_type",
    "date_before",
    "date_after",
    "land_class_name",
    "suggested_class",
    "suggested_subtype",
    "suggested_reason",
    "determination",
    "determination_subtype",
    "illegal_type",
    "rectification_method",
    "rectification_date",
    "final_class",
    "class_source",
    "approved_doc_number",
    "case_number",
    "note",
)
FIELD_LABELS: dict[str, str] = {k: COLUMN_LABELS[k] for k in _POPUP_FIELDS}
"""Chinese labels of the text fields shown in a patch popup, in display order."""
_DETAIL_FIELDS = _POPUP_FIELDS[_POPUP_FIELDS.index("suggested_class") : _POPUP_FIELDS.index("note")]
"""Chinese labels of the text fields shown in a patch popup, in display order."""

_CLASS_SOURCE = CLASS_SOURCE_LABELS
_BOOL_FLAGS = {k: v for k, v in FLAG_LABELS.items() if k != "flag_rare_earth"}


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def format_value(value: Any) -> str:
    """Display text of a value (not yet escaped): dates as YYYY-MM-DD, NaN as "".

    Examples
    --------
    >>> import pandas as pd
    >>> format_value(pd.Timestamp("2020-12-21")), format_value(float("nan")), format_value(True)
    ('2020-12-21', '', '是')
    """
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _mu(value: Any) -> str:
    if _missing(value):
        return ""
    return _mu_text(float(value))


@functools.lru_cache(maxsize=4096)
def _mu_text(m2: float) -> str:
    """An area in 亩 as the popup prints it (most overlaps are 0: worked out once)."""
    return format_half_up(float(m2_to_mu(m2)))


def table_html(rows: Sequence[tuple[str, str]], *, title: str = "") -> str:
    """A two-column HTML table; labels, values and the title are escaped here.

    Examples
    --------
    >>> table_html([("备注", "<b>x</b>")])
    '<table class="rsgeo-popup"><tr><th>备注</th><td>&lt;b&gt;x&lt;/b&gt;</td></tr></table>'
    """
    head = f'<div class="rsgeo-popup-title">{html.escape(title)}</div>' if title else ""
    body = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    return f'{head}<table class="rsgeo-popup">{body}</table>'


def patch_rows(
    patch_id: str,
    row: Mapping[str, Any],
    *,
    layer_keys: Sequence[str],
    lon: float,
    lat: float,
    coord_label: str = "中心点（CGCS2000）",
) -> list[tuple[str, str]]:
    """The (label, value) rows of one patch's popup, in display order."""
    rows: list[tuple[str, str]] = [("监测编号", str(patch_id))]
    for name in ("township_name", "change_type", "date_before", "date_after", "land_class_name"):
        text = format_value(row.get(name))
        if text:
            rows.append((FIELD_LABELS[name], text))
    rows.append((coord_label, f"{lon:.6f}°E, {lat:.6f}°N"))
    if "area_m2" in row:
        rows.append(("图斑面积（亩）", _mu(row.get("area_m2"))))
    for key in layer_keys:
        column = f"{key}_m2"
        if column in row:
            label = LAYER_LABELS.get(key, key)
            rows.append((f"占{label}（亩）", _mu(row.get(column))))
    for name in _DETAIL_FIELDS:
        value = row.get(name)
        text = _CLASS_SOURCE.get(str(value), "") if name == "class_source" else ""
        text = text or format_value(value)
        if text:
            rows.append((FIELD_LABELS[name], text))
    flags = [label for name, label in _BOOL_FLAGS.items() if _truthy(row.get(name))]
    if flags:
        rows.append(("标记", "、".join(flags)))
    note = format_value(row.get("note"))
    if note:
        rows.append((FIELD_LABELS["note"], note))
    return rows


def popup_columns(columns: Sequence[str], *, layer_keys: Sequence[str]) -> list[str]:
    """The columns, of ``columns``, that :func:`patch_rows` reads (in table order).

    A map converts only these to Python values: a result table has some 80
    columns, its popup about half of them.

    Examples
    --------
    >>> popup_columns(["area_m2", "geometry", "pbf_m2", "note"], layer_keys=["pbf"])
    ['area_m2', 'pbf_m2', 'note']
    """
    read = {"area_m2", *FIELD_LABELS, *_BOOL_FLAGS, *(f"{key}_m2" for key in layer_keys)}
    return [c for c in columns if c in read]


def _truthy(value: Any) -> bool:
    if _missing(value):
        return False
    try:
        return bool(value)
    except (TypeError, ValueError):
        return False


def geo_uri(lat: float, lon: float, label: str) -> str:
    """A ``geo:`` URI (RFC 5870) that opens the phone's map app at a WGS84 point.

    The point is given twice, as the URI's location and as the ``q`` query
    with a label, as Android and iOS map apps expect.

    Examples
    --------
    >>> geo_uri(25.1234567, 109.2, "450225 P1")
    'geo:25.123457,109.200000?q=25.123457,109.200000(450225%20P1)'
    """
    where = f"{lat:.6f},{lon:.6f}"
    return f"geo:{where}?q={where}({urllib.parse.quote(label, safe='')})"


def geo_link_html(lat: float, lon: float, label: str) -> str:
    """The popup's link to the phone's map app, and the WGS84 coordinates it carries."""
    uri = html.escape(geo_uri(lat, lon, label), quote=True)
    coords = html.escape(f"{lat:.6f}, {lon:.6f}")
    return (
        f'<div class="rsgeo-geo-row"><a class="rsgeo-geo" href="{uri}">'
        f"{html.escape(MAP_LABELS['geo_link'])}</a>"
        f'<span class="rsgeo-geo-xy">{html.escape(MAP_LABELS["geo_coords"])} {coords}</span></div>'
    )


def patch_popup_html(
    patch_id: str,
    row: Mapping[str, Any],
    *,
    layer_keys: Sequence[str],
    lon: float,
    lat: float,
    geo: tuple[float, float] | None = None,
) -> str:
    """Popup HTML of one patch: its overlay table in Chinese, values escaped.

    Parameters
    ----------
    patch_id : str
        Monitoring number (监测编号).
    row : mapping
        The patch's columns (``area_m2``, ``{key}_m2``, ``final_class`` ...).
    layer_keys : sequence of str
        Reference-layer keys whose ``{key}_m2`` columns are shown (in 亩).
    lon, lat : float
        Centre of the patch (CGCS2000 / WGS84 degrees) to navigate by.
    geo : tuple of float, optional
        (lat, lon) of the centre in WGS84: adds a ``geo:`` link that opens
        the phone's map app there.

    Examples
    --------
    >>> text = patch_popup_html(
    ...     "450225-001", {"area_m2": 6666.67, "pbf_m2": 666.67, "note": "<script>x</script>"},
    ...     layer_keys=["pbf"], lon=109.1, lat=25.2)
    >>> "&lt;script&gt;" in text and "<script>" not in text
    True
    >>> "10.00" in text and "占永久基本农田（亩）" in text
    True
    """
    rows = patch_rows(patch_id, row, layer_keys=layer_keys, lon=lon, lat=lat)
    link = geo_link_html(geo[0], geo[1], patch_id) if geo is not None else ""
    return table_html(rows) + link
