"""Job file validation: every problem listed at once, with its key path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rsgeo.errors import DataFileError, InputError
from rsgeo.job import JobFileError, load_job
from rsgeo.options import CriteriaThresholds


def _write(tmp_path: Path, text: str) -> Path:
    for name in ("p1.gpkg", "p2.shp", "farm.gpkg", "towns.gpkg", "det.xlsx"):
        (tmp_path / name).write_bytes(b"")
    job = tmp_path / "job.toml"
    job.write_text(text, encoding="utf-8")
    return job


GOOD = """
[job]
name = "测试县 2020"
cutoff = 2020-12-21
reviewer = "张三"

[[patches]]
path = "p1.gpkg"
batch = "2020Q1"

[[patches]]
path = "p2.shp"
encoding = "gbk"
crs = "EPSG:4490"
fields = { BH = "patch_id" }

[layers.farmland]
path = "farm.gpkg"
layer = "DLTB"
attributes = ["land_class_code"]

[townships]
path = "towns.gpkg"

[[determinations]]
path = "det.xlsx"

[rules]
approved_min_share = 0.9

[criteria]
ratio_min = 0.2
illegal_farmland_min_mu = 50

[lists]
red_size = 2

[outputs]
dossiers = false
"""


def test_a_good_job_file(tmp_path: Path) -> None:
    job = load_job(_write(tmp_path, GOOD))
    assert job.name == "测试县 2020"
    assert job.cutoff == dt.date(2020, 12, 21)
    assert [p.path.name for p in job.patches] == ["p1.gpkg", "p2.shp"]
    assert job.patches[0].batch == "2020Q1"
    assert job.patches[1].fields == {"BH": "patch_id"}
    assert job.patches[1].read_kwargs()["encoding"] == "gbk"
    # relative paths are relative to the job file's folder
    assert job.layers["farmland"].path == tmp_path / "farm.gpkg"
    assert job.layers["farmland"].attributes == ("land_class_code",)
    assert job.outputs["dossiers"] is False and job.outputs["workbook"] is True
    assert job.criteria == CriteriaThresholds(ratio_min=0.2, illegal_farmland_min_mu=50)
    assert job.statistics.cutoff == job.cutoff  # one home: the statistics options


def test_every_problem_is_listed_with_its_key_path(tmp_path: Path) -> None:
    bad = (
        GOOD.replace('path = "farm.gpkg"', 'path = "missing.gpkg"')
        .replace("cutoff = 2020-12-21", 'cutoff = "21/12/2020"')
        .replace("red_size = 2", "red_size = -1\nlength = 3")
        .replace("approved_min_share = 0.9", "approved_min_share = 1.5")
        .replace("ratio_min = 0.2", "ratio_min = 20")
        .replace("dossiers = false", 'dossiers = "no"\nposters = true')
        + '\n[layers.pbf]\nlayer = "x"\n'
    )
    with pytest.raises(JobFileError) as err:
        load_job(_write(tmp_path, bad))
    text = str(err.value)
    expected = [
        "layers.farmland.path: file not found",
        "job.cutoff: must be a date",
        "lists.red_size: must be a whole number",
        "lists.length: unknown key",
        "rules.approved_min_share: must be a number from 0 to 1",
        "criteria.ratio_min: must be a fraction in [0, 1]",
        "outputs.dossiers: must be bool",
        "outputs.posters: unknown key",
        "layers.pbf.path: missing",
    ]
    for piece in expected:
        assert piece in text, piece
    assert "the job file has" in text
    assert isinstance(err.value, InputError) and isinstance(err.value, ValueError)


def test_missing_sections_and_bad_toml(tmp_path: Path) -> None:
    job = tmp_path / "job.toml"
    job.write_text('[job]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(JobFileError) as err:
        load_job(job)
    for key in ("patches: missing", "layers: missing", "townships: missing"):
        assert key in str(err.value)
    job.write_text("[job\nname = 1", encoding="utf-8")
    with pytest.raises(JobFileError, match="not valid TOML"):
        load_job(job)
    with pytest.raises(DataFileError, match="job file not found"):
        load_job(tmp_path / "nope.toml")


def test_statistics_options_are_checked_and_passed_on(tmp_path: Path) -> None:
    bad = GOOD.replace(
        "illegal_farmland_min_mu = 50",
        'illegal_farmland_min_mu = 50\ncutoff = 2021-06-30\nrate_basis = "bogus"\n'
        'deductible_methods = 5\ndenominator_includes_illegal = "yes"',
    )
    with pytest.raises(JobFileError) as err:
        load_job(_write(tmp_path, bad))
    text = str(err.value)
    assert "criteria.cutoff: unknown key" in text  # the cutoff lives in [job]
    assert "criteria.rate_basis: 'bogus' is not allowed; choose one of ['count', 'area']" in text
    assert "criteria.deductible_methods: must be a list" in text
    assert "criteria.denominator_includes_illegal: must be true or false" in text
    good = GOOD.replace(
        "illegal_farmland_min_mu = 50",
        'illegal_farmland_min_mu = 50\ndeductible_methods = "拆除复耕"\nfarmland_basis = "gross"',
    )
    job = load_job(_write(tmp_path, good))
    assert job.statistics.deductible_methods == ("拆除复耕",)
    assert job.statistics.farmland_basis == "gross"
    assert job.criteria.ratio_min == 0.2


def test_table_inputs_take_only_table_keys(tmp_path: Path) -> None:
    bad = GOOD.replace(
        '[[determinations]]\npath = "det.xlsx"',
        '[[determinations]]\npath = "det.xlsx"\ncrs = 4490\nlayer = "Q1"',
    )
    with pytest.raises(JobFileError, match=r"determinations\[0\]\.crs: unknown key"):
        load_job(_write(tmp_path, bad))
    good = GOOD.replace(
        '[[determinations]]\npath = "det.xlsx"',
        '[[determinations]]\npath = "det.xlsx"\nlayer = "Q1"',
    )
    assert load_job(_write(tmp_path, good)).determinations[0].layer == "Q1"


def test_the_maps_section_names_the_field_maps_basemap(tmp_path: Path) -> None:
    (tmp_path / "imagery").mkdir()
    (tmp_path / "imagery" / "影像.mbtiles").write_bytes(b"")
    text = GOOD + '\n[maps]\nbasemap = "imagery/影像.mbtiles"\nbasemap_datum = "gcj02"\n'
    job = load_job(_write(tmp_path, text))
    assert job.maps.basemap == str(tmp_path / "imagery" / "影像.mbtiles")
    assert job.maps.basemap_datum == "gcj02"
    assert load_job(_write(tmp_path, GOOD)).maps.basemap is None  # none unless given
    bad = GOOD + '\n[maps]\nbasemap = "nowhere.tif"\nbasemap_max_zoom = 30\nzoom = 3\n'
    with pytest.raises(JobFileError) as err:
        load_job(_write(tmp_path, bad))
    message = str(err.value)
    assert "maps.basemap: file not found" in message
    assert "maps.basemap_max_zoom: must be at most 22" in message
    assert "maps.zoom: unknown key" in message
    (tmp_path / "a.png").write_bytes(b"")
    with pytest.raises(JobFileError, match=r"maps.basemap: must be a GeoTIFF"):
        load_job(_write(tmp_path, GOOD + '\n[maps]\nbasemap = "a.png"\n'))


def test_the_evidence_package(tmp_path: Path) -> None:
    (tmp_path / "举证包.db").write_bytes(b"")
    text = GOOD + (
        '\n[evidence]\npath = "举证包.db"\ntable = "FJ2"\nfields = { ZP = "photo" }\n'
        'match = "position"\nmax_distance_m = 25\n'
    )
    job = load_job(_write(tmp_path, text))
    assert job.evidence is not None and job.evidence.path == tmp_path / "举证包.db"
    assert job.evidence.layer == "FJ2" and job.evidence.fields == {"ZP": "photo"}
    assert job.evidence_options.match == "position"
    assert job.evidence_options.max_distance_m == 25
    assert load_job(_write(tmp_path, GOOD)).evidence is None
    bad = GOOD + '\n[evidence]\npath = "none.db"\nmatch = "nearest"\ncolour = 1\n'
    with pytest.raises(JobFileError) as err:
        load_job(_write(tmp_path, bad))
    text = str(err.value)
    assert "evidence.path: file not found" in text
    assert "evidence.match:" in text and "id_then_position" in text
    assert text.count("evidence.colour: unknown key") == 1
