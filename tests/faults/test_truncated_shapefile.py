"""A Shapefile cut short by a failed copy or download is said to be so.

Before, a truncated ``.shp`` read as empty geometries for every shape past its
end, with no word about the file (and stopped the run). Now the read report
and ``rsgeo check`` say how many shapes are missing; the count is checked
against what GDAL itself reads back as empty.
"""

from __future__ import annotations

import os
import shutil
import warnings
import zipfile
from pathlib import Path

import pyogrio
import pytest

from rsgeo.io.reading import read_patches
from rsgeo.io.sample import sample_path
from rsgeo.job import load_job
from rsgeo.preflight import check_inputs

SHP = sample_path("patches/2020Q1/2020Q1_jctb.shp")


def _truncated(folder: Path, share: float) -> Path:
    for part in SHP.parent.glob(f"{SHP.stem}.*"):
        shutil.copy(part, folder / part.name)
    shp = folder / SHP.name
    os.truncate(shp, int(shp.stat().st_size * share))
    return shp


def _empty_by_gdal(path: Path | str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pyogrio.read_dataframe(path)
    return int((frame.geometry.isna() | frame.geometry.is_empty).sum())


@pytest.mark.parametrize("share", [0.3, 0.6, 0.95])
def test_shapes_past_the_end_are_counted_and_said(tmp_path: Path, share: float) -> None:
    shp = _truncated(tmp_path, share)
    expected = _empty_by_gdal(shp)
    assert expected > 0
    with pytest.warns(UserWarning, match=rf"{expected} of \d+ shapes lie past its end"):
        patches = read_patches(shp)
    report = patches.attrs["rsgeo_read_report"]
    assert report.shapes_cut_off == expected
    assert (patches["geometry_status"] == "empty").sum() == expected  # kept, not dropped


def test_a_whole_shapefile_says_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patches = read_patches(SHP)
    assert patches.attrs["rsgeo_read_report"].shapes_cut_off == 0
    assert not [w for w in caught if "shorter than its index" in str(w.message)]


def test_a_truncated_shapefile_in_a_zip(tmp_path: Path) -> None:
    shp = _truncated(tmp_path, 0.5)
    archive = tmp_path / "delivery.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob(f"{SHP.stem}.*"):
            zf.write(part, f"2020Q1/{part.name}")
    expected = _empty_by_gdal(shp)
    with pytest.warns(UserWarning, match=rf"{expected} of \d+ shapes"):
        read_patches(archive)


def test_rsgeo_check_lists_it(tmp_path: Path) -> None:
    import dataclasses

    shp = _truncated(tmp_path, 0.5)
    job = load_job(sample_path("rongshui_2020.toml"))
    job = dataclasses.replace(
        job, patches=(dataclasses.replace(job.patches[0], path=shp),), determinations=()
    )
    problems = check_inputs(job)
    cut = [p for p in problems if "cut short" in p]
    assert len(cut) == 1 and cut[0].startswith("patches[0]:")
    assert f" {_empty_by_gdal(shp)} shapes" in cut[0]
