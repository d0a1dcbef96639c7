"""A synthetic change-survey denominator table for the bundled sample.

The accountability ratio's denominator officially comes from the annual land
change survey (新增建设用地占用耕地面积 per township); the sample ships one such
table, **synthetic**: seeded random areas in 亩 for the real township codes,
labelled as sample data in its source column. Rebuild it with::

    python -m rsgeo.synthetic.change_survey --out data

Examples
--------
>>> t = denominator_frame(["450225100", "450225101"], ["融水镇", "和睦镇"], seed=1)
>>> list(t.columns)
['乡镇代码', '乡镇名称', '新增建设用地占用耕地面积（亩）', '数据来源']
>>> bool((t["新增建设用地占用耕地面积（亩）"] > 0).all())
True
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["DENOMINATOR_FILE", "SOURCE_TEXT", "denominator_frame", "write_denominator_table"]

DENOMINATOR_FILE = "change_survey/2020_denominator.xlsx"
"""Where the sample's table lies under ``data/``."""

SOURCE_TEXT = "2020年度国土变更调查（示例数据，合成，非真实调查成果）"
"""The source written in every row: it is sample data, and says so."""

AREA_HEADER = "新增建设用地占用耕地面积（亩）"


def denominator_frame(codes: Sequence[str], names: Sequence[str], *, seed: int) -> pd.DataFrame:
    """One row per township: code, name, a seeded area in 亩 (2 decimals), source."""
    rng = np.random.default_rng(seed)
    areas = np.round(rng.uniform(60.0, 480.0, len(codes)), 2)
    return pd.DataFrame(
        {
            "乡镇代码": [str(c) for c in codes],
            "乡镇名称": list(names),
            AREA_HEADER: areas,
            "数据来源": SOURCE_TEXT,
        }
    )


def write_denominator_table(data_dir: Path, *, seed: int = 2020) -> Path:
    """Write the sample's table for the townships of ``data_dir/boundaries``."""
    towns = pd.read_csv(data_dir / "boundaries" / "rongshui_townships.csv", dtype=str)
    code_col = next(c for c in towns.columns if "code9" in c.lower())  # the 9-digit codes
    name_col = next(c for c in towns.columns if c.lower() == "name")
    frame = denominator_frame(towns[code_col].tolist(), towns[name_col].tolist(), seed=seed)
    path = data_dir / DENOMINATOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    from rsgeo.synthetic.writing import _fix_zip_times

    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        frame.to_excel(xw, sheet_name="新增建设用地占用耕地", index=False)
        ws = xw.sheets["新增建设用地占用耕地"]
        ws.freeze_panes = "A2"
        for letter, width in zip("ABCD", (14, 14, 30, 50), strict=True):
            ws.column_dimensions[letter].width = width
        fixed = dt.datetime(2021, 1, 31, 12, 0, 0)  # byte-for-byte reproducible
        xw.book.properties.created = fixed
        xw.book.properties.modified = fixed
    _fix_zip_times(path)
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m rsgeo.synthetic.change_survey --out data``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the sample's data folder")
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    print(write_denominator_table(args.out, seed=args.seed))


if __name__ == "__main__":
    main()
