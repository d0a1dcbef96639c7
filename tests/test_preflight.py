"""rsgeo check opens every input and lists every problem with its key path.

Before, `check` read only the TOML: a field mapping naming a missing field,
farmland without KCXS, unreadable determination headers and another batch's
table all passed, and the run failed late (or not at all); a job file saved in
GBK gave "unexpected error (UnicodeDecodeError)".
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import rsgeo
from rsgeo.cli import EXIT_CODES, main
from rsgeo.io.sample import sample_path
from rsgeo.job import JobFileWarning, load_job
from rsgeo.preflight import check_inputs

DATA = sample_path("rongshui_2020.toml").parent


def _job(tmp: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp / "job.toml"
    path.write_bytes(text.encode(encoding))
    return path


def _base(patches: str = "patches/2020Q3_jctb.gpkg", farmland: str = "landuse/dltb.gpkg") -> str:
    return f"""
[job]
name = "检查"
cutoff = 2020-12-21

[[patches]]
path = "{DATA / patches}"
batch = "2020Q3"

[layers.farmland]
path = "{DATA / farmland}"

[townships]
path = "{DATA / "boundaries/townships.gpkg"}"
"""


def test_the_sample_job_opens_cleanly() -> None:
    assert check_inputs(load_job(sample_path("rongshui_2020.toml"))) == []


def test_every_problem_of_every_input_with_its_key_path(tmp_path: Path) -> None:
    farm = rsgeo.read_layer(DATA / "landuse" / "dltb.gpkg").drop(columns="ridge_coef")
    farm.to_file(tmp_path / "no_kcxs.gpkg", driver="GPKG")
    misspelt = pd.DataFrame({"监测编号": ["450225202030001"], "判定结论": ["违法"]})
    misspelt.to_csv(tmp_path / "misspelt.csv", index=False, encoding="utf-8-sig")
    text = (
        _base(farmland=str(tmp_path / "no_kcxs.gpkg"))
        + f"""
[layers.farmland.fields]
KCXS_WRONG = "ridge_coef"

[layers.redline]
path = "{DATA / "redlines/stbhhx.gpkg"}"
attributes = ["name", "level"]

[[determinations]]
path = "{tmp_path / "misspelt.csv"}"

[[determinations]]
path = "{DATA / "determinations/2020Q1_determinations.xlsx"}"
"""
    )
    problems = check_inputs(load_job(_job(tmp_path, text)))
    text_all = "\n".join(problems)
    assert "layers.farmland: " in text_all and "KCXS_WRONG" in text_all  # a mapping to nothing
    assert "layers.redline.attributes: ['level'] not in the layer" in text_all
    assert "determinations[0]: " in text_all and "判定结论" in text_all
    assert "determinations[1]: " in text_all and "another batch" in text_all
    # the CLI lists them all and exits 3, computing nothing
    code = main(["check", str(tmp_path / "job.toml")])
    assert code == EXIT_CODES["input"]


def test_farmland_without_kcxs_is_found_before_a_run(tmp_path: Path) -> None:
    farm = rsgeo.read_layer(DATA / "landuse" / "dltb.gpkg").drop(columns="ridge_coef")
    farm.to_file(tmp_path / "no_kcxs.gpkg", driver="GPKG")
    job = load_job(_job(tmp_path, _base(farmland=str(tmp_path / "no_kcxs.gpkg"))))
    assert any(p.startswith("layers.farmland: no ridge coefficient") for p in check_inputs(job))
    gross = (
        _base(farmland=str(tmp_path / "no_kcxs.gpkg")) + '\n[criteria]\nfarmland_basis = "gross"\n'
    )
    assert check_inputs(load_job(_job(tmp_path, gross))) == []


def test_a_job_file_saved_in_gbk_is_read_with_a_note(tmp_path: Path) -> None:
    path = _job(tmp_path, _base(), encoding="gbk")
    with pytest.warns(JobFileWarning, match="saved in GBK"):
        job = load_job(path)
    assert job.name == "检查"
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe\x00name")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["check", str(tmp_path / "bad.toml")]) == EXIT_CODES["input"]
