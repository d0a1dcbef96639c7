"""Redraw docs/img/county_map.png: the county overview of the bundled Rongshui sample.

The township polygons and all layers of the sample are synthetic (data/README.md).
Run from the repository root (needs folium and headless Chromium)::

    python docs/img/make_county_map.py
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "outputs"))

import test_maps_helpers as h  # noqa: E402

from rsgeo.io.sample import sample_path  # noqa: E402
from rsgeo.job import load_job  # noqa: E402
from rsgeo.pipeline import run_job  # noqa: E402


def main() -> None:
    job = load_job(sample_path("rongshui_2020.toml"))
    outputs = dict.fromkeys(job.outputs, False) | {"county_map": True}
    job = dataclasses.replace(job, outputs=outputs)
    with tempfile.TemporaryDirectory() as tmp:
        run_job(job, Path(tmp) / "out", progress=False)
        page = Path(tmp) / "out" / "maps" / "county_map.html"
        out = ROOT / "docs" / "img" / "county_map.png"
        h.screenshot(page, out, size=(1280, 900))
    print(out)


if __name__ == "__main__":
    main()
