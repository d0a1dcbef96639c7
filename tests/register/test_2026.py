"""The 2026 clue batch of the sample through the register, and the 2020 platform export's words.

The clue batch (2026 vocabulary, 核实认定意见 with sub-types) and its
determination table go into a register; the job reading it as of the cutoff
gives the statistics of ``data/rongshui_2026.toml`` run on the files.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from rsgeo.io.sample import sample_path
from rsgeo.job import OUTPUT_KINDS, load_job
from rsgeo.pipeline import run_job
from rsgeo.register import Register

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
JOB = sample_path("rongshui_2026.toml")
DATA = JOB.parent


def _no_outputs(text: str) -> str:
    text = re.sub(r"\[outputs\][^\[]*", "", text)
    return text + "\n[outputs]\n" + "\n".join(f"{k} = false" for k in OUTPUT_KINDS) + "\n"


def _absolute(text: str) -> str:
    return re.sub(r'path = "([^"]+)"', lambda m: f'path = "{(DATA / m.group(1)).as_posix()}"', text)


def test_the_2026_clue_batch_through_the_register(tmp_path: Path) -> None:
    text = _no_outputs(_absolute(JOB.read_text(encoding="utf-8")))
    files_job = tmp_path / "files.toml"
    files_job.write_text(text, encoding="utf-8")
    target = tmp_path / "台账.gpkg"
    with Register.create(target, crs=4545) as reg:
        reg.ingest(DATA / "clues/2026M03_clues.gpkg", batch="2026M03", delivered_on="2026-03-05")
        reg.determine(DATA / "determinations/2026M03_determinations.xlsx", on="2026-03-20")
    reg_text = re.sub(r"\[\[patches\]\][^\[]*", "", text)
    reg_text = re.sub(r"\[\[determinations\]\][^\[]*", "", reg_text)
    # the files know every rectification, also those dated after the cutoff: so does the
    # register as of the end of the year (as of the cutoff it would not know them yet)
    reg_text += f'\n[register]\npath = "{target.as_posix()}"\nas_of = 2026-12-31\n'
    reg_job = tmp_path / "register.toml"
    reg_job.write_text(reg_text, encoding="utf-8")
    a = run_job(load_job(files_job), tmp_path / "a", progress=False)
    b = run_job(load_job(reg_job), tmp_path / "b", progress=False)
    assert b.job.profile == a.job.profile == "2026"
    pd.testing.assert_frame_equal(b.stats, a.stats)
    early = load_job(reg_job)
    early = dataclasses.replace(early, register_as_of=early.cutoff)
    c = run_job(early, tmp_path / "c", progress=False)
    assert c.stats["n_rectified"].sum() < a.stats["n_rectified"].sum()


def test_the_2020_platform_export_with_its_field_names(tmp_path: Path) -> None:
    x, y = 36_500_000, 2_770_000
    gdf = gpd.GeoDataFrame(
        {"change_type": ["20", "20"]},
        geometry=[box(x, y, x + 50, y + 40), box(x + 100, y, x + 150, y + 40)],
        index=pd.Index(["J1", "J2"], name="patch_id"),
        crs=4524,
    )
    export = pd.DataFrame(
        {"JCBH": ["J1", "J2"], "PDJG": ["违法", "合法"], "WFLX": ["未批先建", None]}
    )
    with Register.create(tmp_path / "r.gpkg", crs=4524) as reg:
        reg.ingest(gdf, batch="2020Q1", delivered_on="2020-04-01")
        reg.determine(
            export, on="2020-05-01", fields={"PDJG": "determination", "WFLX": "illegal_type"}
        )
        dets = reg.determinations()
    assert dets["determination"].to_dict() == {"J1": "违法", "J2": "合法"}
    assert dets.loc["J1", "illegal_type"] == "未批先建"
