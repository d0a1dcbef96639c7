"""How a sheet fits A4: the printed width of text, the heights of rows, the page layout.

Widths are in Excel's units (about one Latin digit), a Chinese (wide)
character one em, a digit 0.55 em, any other character at most 0.6 em; each
character's width is worked out once, each distinct text's once in a while.
:func:`page_layout` chooses the orientation and the largest scale that
fits, never below :data:`MIN_PRINTED_PT`, and the column blocks of a table
too wide for that; :func:`fit_widths` narrows the widest columns first.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BODY_FONT_PT",
    "HEADER_FONT_PT",
    "HEADER_LINES",
    "MARGIN_IN",
    "MAX_WIDTH",
    "MIN_PRINTED_PT",
    "NARROW_TEXT",
    "TITLE_FONT_PT",
    "PageLayout",
    "PrintHeading",
    "column_pt",
    "fit_widths",
    "header_width",
    "page_layout",
    "row_height_pt",
    "text_units",
    "text_width",
    "word_units",
    "wrapped_lines",
]


def text_width(value: Any) -> int:
    """The width of ``value`` in GBK bytes (a Chinese character counts 2), longest line."""
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    longest = max((len(line.encode("gbk", "replace")) for line in text.split("\n")), default=0)
    return longest


def header_width(header: str) -> int:
    """Column width for a header that wraps: up to 6 Chinese characters on one
    line, a longer one on three lines at most.

    >>> header_width("图斑总数（个）"), header_width("乡镇名称"), header_width("说明")
    (7, 9, 5)
    """
    size = HEADER_FONT_PT
    one_line = text_units(header, size)
    if one_line <= text_units("\u3000" * 6, size):
        return math.ceil(one_line) + 1
    return max(math.ceil(one_line / 3) + 2, 6)


# ------------------------------------------------------------------ printing

BODY_FONT_PT = 10.0
"""Font size of the table body, the header row and the notes."""
HEADER_FONT_PT = 10.0
TITLE_FONT_PT = 14.0
MIN_PRINTED_PT = 9.0
"""No sheet prints its body smaller than this: a sheet too wide for the page at
this size is split into column blocks (the key columns repeated) instead."""
MAX_WIDTH = 40
"""Widest column (Excel width units); longer text wraps and its row grows."""
PAGE_WIDTH_PT = {"portrait": 595.3, "landscape": 841.9}
"""A4 paper width in points by orientation."""
PAGE_HEIGHT_PT = {"portrait": 841.9, "landscape": 595.3}
MARGIN_IN = 0.4
"""Left and right page margin in inches (top and bottom leave room for header and footer)."""
_UNIT_PT = 5.25
"""One Excel width unit: the digit width of the default font (7 px at 96 dpi), in points."""
_PAD_PT = 3.75
"""The padding Excel adds to every column (5 px), in points."""
_WIDE_UNIT_PT = 7.0
"""One Excel width unit where the workbook's default font (Calibri) is missing:
LibreOffice without Calibri or Carlito measures it in DejaVu Sans digits, 7 pt
(measured on its PDF). Pages are planned for the wider of the two."""
_LINE = 1.3
"""Line height of wrapped text, in font sizes."""
_MIN_SCALE = math.ceil(MIN_PRINTED_PT / BODY_FONT_PT * 100)
"""The smallest print scale (%): the body at :data:`MIN_PRINTED_PT`."""
NARROW_TEXT = 10
"""The narrowest a column of wrapped text becomes when a table is fitted to the page."""
HEADER_LINES = 6
"""The most lines a header takes when a table is fitted to the page."""


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _em(ch: str) -> float:
    if _is_wide(ch):
        return 1.0
    return 0.55 if ch.isdigit() else 0.6


def text_units(text: Any, size_pt: float = BODY_FONT_PT) -> float:
    """Printed width of ``text`` (its longest line) in Excel width units at ``size_pt``.

    A Chinese (wide) character is one em, a digit 0.55 em, any other character
    at most 0.6 em.

    >>> round(text_units("乡镇名称", 10.5), 2), round(text_units("2020", 10.5), 2)
    (8.0, 4.4)
    """
    if isinstance(text, float):
        text = f"{text:.2f}"
    elif isinstance(text, _dt.datetime):
        text = text.strftime("%Y-%m-%d")
    return _ems("" if text is None else str(text)) * size_pt / _UNIT_PT


class _EmTable(dict[str, float]):
    """Each character's width in ems (:func:`_em`), worked out once per character."""

    def __missing__(self, ch: str) -> float:
        em = self[ch] = _em(ch)
        return em


_EM = _EmTable()


@functools.lru_cache(maxsize=1 << 16)
def _ems(text: str) -> float:
    """The width of the longest line of ``text`` in ems (a sheet repeats its words)."""
    return max((sum(map(_EM.__getitem__, line)) for line in text.split("\n")), default=0.0)


def column_pt(width: float) -> float:
    """The printed width (points, at 100 %) of a column ``width`` Excel units wide:
    the wider of Excel's (Calibri) and LibreOffice's without Calibri.

    >>> column_pt(1), column_pt(10)
    (9.0, 70.0)
    """
    return max(width * _UNIT_PT + _PAD_PT, width * _WIDE_UNIT_PT)


def wrapped_lines(text: Any, width: float, size_pt: float = BODY_FONT_PT) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` units wide."""
    room = max(width - 1.0, 1.0)  # the cell's inner margins
    if isinstance(text, float | int) and not isinstance(text, bool):
        return 1
    lines = ("" if text is None else str(text)).split("\n")
    return sum(max(1, math.ceil(text_units(line, size_pt) / room - 1e-9)) for line in lines)


def row_height_pt(n_lines: int, size_pt: float = BODY_FONT_PT) -> float:
    """Row height (points) for ``n_lines`` lines of text at ``size_pt``."""
    return round(n_lines * size_pt * _LINE + 4.0, 1)


@dataclass(frozen=True)
class PrintHeading:
    """What a printed sheet says around its table.

    ``title`` is the first row, ``lines`` the row below it (填报单位, 制表日期,
    joined by wide spaces; the sheet's own units are added), ``signature`` the
    line under the table, ``footer`` the page footer (Excel codes: ``&P`` the
    page, ``&N`` the pages).
    """

    title: str
    lines: tuple[str, ...] = ()
    signature: str = ""
    footer: str = ""


@dataclass(frozen=True)
class PageLayout:
    """How a sheet prints on A4: orientation, scale and the column blocks of each page."""

    orientation: str
    scale: int
    blocks: tuple[tuple[int, int], ...]
    """Column ranges (first, last; 1-based), one page wide each; the first holds
    the key columns, which every later block prints again on its left."""

    @property
    def printed_pt(self) -> float:
        """The body font size on paper."""
        return BODY_FONT_PT * self.scale / 100


def _room_pt(orientation: str, scale: int) -> float:
    """The printable page width at ``scale`` %, in points at 100 % (3 % to spare)."""
    return (PAGE_WIDTH_PT[orientation] - 2 * 72 * MARGIN_IN) / (scale / 100) * 0.97


def fit_widths(widths: Sequence[float], narrowest: Sequence[float]) -> list[float]:
    """Column widths that fit one A4 landscape page width at :data:`MIN_PRINTED_PT`.

    ``widths`` are kept when they fit; otherwise the widest columns give way
    first: every column is cut to one common width, never below its
    ``narrowest`` (wrapped text and headers take more lines). When even the
    narrowest widths do not fit, those are returned (the table then prints
    in column blocks).

    >>> fit_widths([10, 40], [10, 12])
    [10, 40]
    >>> fit_widths([40] * 6, [12] * 6)
    [20.0, 20.0, 20.0, 20.0, 20.0, 20.0]
    >>> fit_widths([40] * 20, [12] * 20) == [12] * 20
    True
    """
    room = _room_pt("landscape", _MIN_SCALE)
    total = sum(column_pt(w) for w in widths)
    if total <= room:
        return list(widths)
    low = [min(n, w) for n, w in zip(narrowest, widths, strict=True)]
    least = sum(column_pt(w) for w in low)
    if least >= room:
        return low

    def cut(cap: float) -> list[float]:
        return [max(n, min(w, cap)) for w, n in zip(widths, low, strict=True)]

    below, above = 0.0, float(max(widths))
    for _ in range(50):  # the widest common width that fits
        mid = (below + above) / 2
        if sum(column_pt(w) for w in cut(mid)) <= room:
            below = mid
        else:
            above = mid
    return cut(math.floor(below * 4) / 4)


def page_layout(widths: Sequence[float], *, key_columns: int = 1) -> PageLayout:
    """The A4 page layout of columns ``widths``: the largest print that fits, never below 9 pt.

    Portrait when the table fits a portrait page at 100 %, else landscape,
    shrunk to the page width as far as :data:`MIN_PRINTED_PT` allows; a
    wider table prints at that size in blocks of columns, the first
    ``key_columns`` repeated on every page.

    >>> page_layout([10, 10]).orientation, page_layout([10] * 12).scale
    ('portrait', 90)
    >>> lay = page_layout([20] * 20, key_columns=2); lay.scale, lay.blocks[:3]
    (90, ((1, 6), (7, 10), (11, 14)))
    """
    pts = [column_pt(w) for w in widths]
    total = sum(pts)
    min_scale = _MIN_SCALE
    for orientation in ("portrait", "landscape"):
        fit = _room_pt(orientation, 100) / total * 100 if total else 100.0
        if fit >= 100 or (orientation == "landscape" and fit >= min_scale):
            return PageLayout(orientation, min(100, math.floor(fit)), ((1, len(pts)),))
    room = _room_pt("landscape", min_scale)
    keys = min(key_columns, len(pts) - 1)
    free = room - sum(pts[:keys])
    blocks: list[tuple[int, int]] = []
    first, used = keys + 1, 0.0
    for j in range(keys, len(pts)):
        if used and used + pts[j] > free:
            blocks.append((first, j))
            first, used = j + 1, 0.0
        used += pts[j]
    blocks.append((first, len(pts)))
    if keys:
        blocks[0] = (1, blocks[0][1])
    return PageLayout("landscape", min_scale, tuple(blocks))


def word_units(value: Any, size_pt: float = BODY_FONT_PT) -> float:
    """The widest part of ``value`` that cannot wrap: a number, or a run of
    Latin letters and digits (Chinese text wraps between any two characters)."""
    if value is None:
        return 0.0
    if not isinstance(value, str):
        return text_units(value, size_pt)
    return _word_ems(value) * size_pt / _UNIT_PT


@functools.lru_cache(maxsize=1 << 16)
def _word_ems(text: str) -> float:
    words = re.split(r"[\s\u3000-\u9fff\uff00-\uffef]+", text)
    return max((_ems(w) for w in words), default=0.0)
