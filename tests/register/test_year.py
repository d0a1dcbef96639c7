"""A year of the sample through the register: statistics as of three days equal the file job's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from rsgeo.job import load_job
from rsgeo.pipeline import run_job
from rsgeo.register import Register

from .year import DATES, SPLIT_PATCH, file_job, fill_register, register_job

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def year_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("year") / "台账.gpkg"
    with Register.create(path, crs=4524, user="县局 张三") as reg:
        fill_register(reg)
    return path


@pytest.fixture(scope="module")
def year_postgis(postgis_url: str) -> str:
    import postgis

    url = postgis.new_database(postgis_url)
    with Register.create(url, crs=4524, user="县局 张三") as reg:
        fill_register(reg)
    return url


def _stats(job: Path, out: Path) -> pd.DataFrame:
    return run_job(load_job(job), out, progress=False).stats


_FROM_GPKG: dict[dt.date, pd.DataFrame] = {}  # each day's GeoPackage statistics, run once


def _gpkg_stats(register: Path, folder: Path, day: dt.date) -> pd.DataFrame:
    if day not in _FROM_GPKG:
        _FROM_GPKG[day] = _stats(register_job(folder, str(register), day), folder / "out_gpkg")
    return _FROM_GPKG[day]


@pytest.mark.parametrize("day", DATES, ids=[d.isoformat() for d in DATES])
def test_statistics_as_of_a_day_equal_the_file_job(
    year_register: Path, tmp_path: Path, day: dt.date
) -> None:
    from_files = _stats(file_job(tmp_path, day), tmp_path / "out_files")
    pd.testing.assert_frame_equal(_gpkg_stats(year_register, tmp_path, day), from_files)


@pytest.mark.parametrize("day", DATES, ids=[d.isoformat() for d in DATES])
def test_postgis_gives_the_statistics_of_the_geopackage(
    year_register: Path, year_postgis: str, tmp_path: Path, day: dt.date
) -> None:
    gpkg = _gpkg_stats(year_register, tmp_path, day)
    pg = _stats(register_job(tmp_path, year_postgis, day), tmp_path / "out_pg")
    pd.testing.assert_frame_equal(pg, gpkg)
    with Register(year_register) as a, Register(year_postgis) as b:
        pd.testing.assert_frame_equal(b.determinations(day), a.determinations(day))
        pa, pb = a.patches(day), b.patches(day)
        pd.testing.assert_frame_equal(pb.drop(columns="geometry"), pa.drop(columns="geometry"))
        assert pb.geometry.geom_equals_exact(pa.geometry, 0).all()


def test_the_days_differ(year_register: Path) -> None:
    """The three days are not the same state: the equality above compares something."""
    with Register(year_register) as reg:
        sizes = [len(reg.patches(as_of=d)) for d in DATES]
        dets = [reg.determinations(as_of=d) for d in DATES]
    assert sizes[0] < sizes[1] == sizes[2]
    rectified = [int(d["rectification_date"].notna().sum()) for d in dets]
    assert rectified[0] < rectified[1] < rectified[2]
    assert f"{SPLIT_PATCH}-1" in dets[2].index and SPLIT_PATCH not in dets[2].index
