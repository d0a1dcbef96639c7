"""Maps and dossiers of a province: one folder per county, dossiers for chosen counties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from cluster_province import N_COUNTIES, write_job

from rsgeo.cluster import run_job_on_cluster
from rsgeo.cluster.county_outputs import county_folder_name
from rsgeo.job import load_job

pytest.importorskip("folium")


def test_maps_by_county_and_dossiers_for_the_chosen_county(
    province_folder: Path, client: Any
) -> None:
    towns = gpd.read_file(province_folder / "townships.gpkg")
    chosen = sorted(set(towns["county_code"]))[-1]
    text = write_job(province_folder, name="folders").read_text(encoding="utf-8")
    for key in ("county_map", "field_maps", "dossiers"):
        text = text.replace(f"{key} = false", f"{key} = true")
    text += f'\n[cluster]\ndossier_counties = ["{chosen}"]\n'
    job_path = province_folder / "folders.toml"
    job_path.write_text(text, encoding="utf-8")
    out = province_folder / "out_folders"
    run = run_job_on_cluster(load_job(job_path), out, client=client, progress=False)
    names = towns.drop_duplicates("county_code").set_index("county_code")["county_name"]
    assert len(names) == N_COUNTIES
    # no province-wide page: the overview and the field maps sit in each county's folder
    assert not (out / "maps" / "county_map.html").exists()
    for code, name in names.items():
        folder = out / "maps" / county_folder_name(code, name)
        assert (folder / "county_map.html").is_file()
        pages = {p.stem for p in (folder / "field").glob("*.html")}
        mine = towns.loc[towns["county_code"] == code, "township_code"]
        # one page per township of the county that has patches, none of another county
        assert pages and all(any(c in p for c in mine) for p in pages)
    # dossiers: only the chosen county's folder, one per patch filed under the county
    dossiers = [p for p in (out / "dossiers").iterdir() if p.is_dir()]
    assert [p.name for p in dossiers] == [county_folder_name(chosen, names[chosen])]
    patch_dirs = [p for p in dossiers[0].iterdir() if p.is_dir()]
    in_county = run.job_result.result.loc[
        run.job_result.result["township_code"].astype(str).str[:6] == chosen
    ]
    assert len(patch_dirs) == len(in_county) > 0
    assert {p.name for p in patch_dirs} == set(in_county.index.astype(str))
