"""Redraw docs/img/county_map.png: the county overview of a SYNTHETIC county.

Run from the repository root (needs folium and headless Chromium)::

    python docs/img/make_county_map.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import test_maps_helpers as h  # noqa: E402

from rsgeo.maps import county_map  # noqa: E402


def main() -> None:
    data = h.county(per_township=15, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "county_map.html"
        county_map(
            data["patches"],
            townships=data["townships"],
            stats=data["stats"],
            layers=data["layers"],
            show_layers=["pbf", "redline", "urban"],
            title="卫片执法图斑总览（合成示例数据）",
            path=page,
        )
        out = ROOT / "docs" / "img" / "county_map.png"
        h.screenshot(page, out, size=(1280, 820))
    print(out)


if __name__ == "__main__":
    main()
