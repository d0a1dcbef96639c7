"""The one reader of county tables: Excel and CSV, every fault one DataFileError."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from rsgeo.errors import DataFileError
from rsgeo.io.tables import read_manual_flags, read_table

ROWS = [["乡镇代码", "标准", "备注"], ["450225101", "五", "抽查发现瞒案不报"]]


def _csv(path: Path, encoding: str) -> Path:
    path.write_bytes("\n".join(",".join(r) for r in ROWS).encode(encoding) + b"\n")
    return path


def _xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "标记"
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_counties_save(tmp_path: Path, encoding: str) -> None:
    table = read_table(_csv(tmp_path / "t.csv", encoding))
    assert table.columns.tolist() == ROWS[0]
    assert table.iloc[0].tolist() == ROWS[1]


def test_excel_by_sheet_name_and_without_header(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "t.xlsx")
    assert read_table(path, sheet="标记").iloc[0].tolist() == ROWS[1]
    raw = read_table(path, header=False)
    assert raw.values.tolist() == ROWS


@pytest.mark.parametrize(
    ("make", "kwargs", "words"),
    [
        (lambda d: d / "missing.csv", {}, "not found"),
        (
            lambda d: (d / "old.xls").write_bytes(b"\xd0\xcf") and d / "old.xls",
            {},
            "save it as .xlsx",
        ),
        (lambda d: (d / "t.dbf").write_bytes(b"x") and d / "t.dbf", {}, "unsupported file type"),
        (lambda d: _xlsx(d / "t.xlsx"), {"sheet": "没有"}, "cannot read"),
        (lambda d: _csv(d / "t.csv", "gbk"), {"encoding": "utf-8"}, "not in utf-8"),
        (lambda d: _csv(d / "t.csv", "gbk"), {"encoding": "no-such"}, "unknown encoding"),
    ],
    ids=["missing", "xls", "suffix", "sheet", "encoding", "unknown-encoding"],
)
def test_every_fault_is_one_error_class_naming_the_file(
    tmp_path: Path, make: object, kwargs: dict, words: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(DataFileError, match=words) as err:
        read_table(path, what="manual flags table", **kwargs)
    assert isinstance(err.value, OSError)
    assert str(path) in str(err.value) and "manual flags table" in str(err.value)


def test_manual_flags_from_a_file_or_a_table(tmp_path: Path) -> None:
    from_file = read_manual_flags(_csv(tmp_path / "flags.csv", "gbk"))
    from_frame = read_manual_flags(pd.DataFrame([ROWS[1]], columns=ROWS[0]))
    expected = [{"township_code": "450225101", "criterion": 5, "note": "抽查发现瞒案不报"}]
    assert from_file.to_dict("records") == from_frame.to_dict("records") == expected
