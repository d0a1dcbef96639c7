"""The county maps of a cluster run are drawn by the workers, as the map writers draw them."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from cluster_province import write_job

from rsgeo.cluster import run_job_on_cluster
from rsgeo.cluster.county_outputs import county_folder_name, write_county_maps_and_dossiers
from rsgeo.cluster.county_run import CountyRun
from rsgeo.io.evidence import PHOTO_COLUMNS, PhotoMatches
from rsgeo.job import load_job
from rsgeo.options import MAP_LAYER_KEYS

pytest.importorskip("folium")
distributed = pytest.importorskip("distributed")


def _page(path: Path) -> bytes:
    """A page's bytes, folium's random element ids (``map_<32 hex digits>``) made equal."""
    return re.sub(rb"_[0-9a-f]{32}\b", b"_ID", path.read_bytes())


def _maps_job(folder: Path, name: str) -> Path:
    text = write_job(folder, name=name).read_text(encoding="utf-8")
    for key in ("county_map", "field_maps"):
        text = text.replace(f"{key} = false", f"{key} = true")
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_workers_draw_each_county_as_the_field_map_writer_does(
    province_folder: Path, client: Any, tmp_path: Path
) -> None:
    from rsgeo.outputs.maps import field_maps

    out = province_folder / "out_county_tasks"
    with distributed.get_task_stream(client) as stream:
        run = run_job_on_cluster(
            load_job(_maps_job(province_folder, "county_tasks")), out, client=client, progress=False
        )
    jr = run.job_result
    # one task per county ran on the workers
    county_keys = {t["key"] for t in stream.data if "rsgeo-county-" in str(t["key"])}
    assert run.county_stats is not None
    codes = sorted(set(jr.result["township_code"].astype(str).str[:6]))
    assert len(county_keys) == len(codes) > 1
    # each drawn in a worker process, with its time and memory on record
    assert sorted(r["county_code"] for r in run.county_tasks) == codes
    assert os.getpid() not in {r["pid"] for r in run.county_tasks}
    assert all(r["cpu_s"] > 0 and r["peak_rss_mb"] > 0 for r in run.county_tasks)
    # the reference: the map writer, here, on the county's patches and the whole layers
    names = jr.townships.drop_duplicates("county_code").set_index("county_code")["county_name"]
    show = [k for k in MAP_LAYER_KEYS if k in jr.layers]
    assert show  # the reference layers are drawn: the county's cut of them is what is tested
    for code in codes:
        mine = jr.result["township_code"].astype(str).str[:6] == code
        towns = jr.townships[jr.townships["township_code"].astype(str).str[:6] == code]
        ref = tmp_path / code
        field_maps(
            jr.result[mine],
            ref,
            townships=towns,
            layers=jr.layers,
            show_layers=show,
            options=jr.job.maps,
        )
        got = out / "maps" / county_folder_name(code, str(names[code])) / "field"
        ref_files = sorted(p.relative_to(ref) for p in ref.rglob("*") if p.is_file())
        got_files = sorted(p.relative_to(got) for p in got.rglob("*") if p.is_file())
        assert ref_files == got_files and ref_files
        for rel in ref_files:
            assert _page(got / rel) == _page(ref / rel), rel


class _BlindClient:
    """A client whose workers cannot see the output folder (another machine's drive)."""

    def run(self, func: Any, *args: Any) -> dict[str, bool]:
        return {"tcp://elsewhere:1": False}

    def submit(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - must not happen
        raise AssertionError("nothing may be handed to workers that cannot see the folder")


def test_workers_that_cannot_see_the_folder_leave_the_counties_to_the_client(
    province_folder: Path, client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = province_folder / "out_county_blind"
    job = load_job(_maps_job(province_folder, "county_blind"))
    run = run_job_on_cluster(job, out, client=client, progress=False)
    jr = run.job_result
    assert run.county_stats is not None
    counties = CountyRun(
        _BlindClient(),
        [],
        tmp_path,
        dossier_counties=None,
        want=dict(job.outputs),
        overwrite=False,
        progress=True,
    )
    counties.start(jr)
    assert not counties.on_workers and counties.futures == []
    assert "cannot" in capsys.readouterr().err
    made = counties.wait()
    # the same pages as the workers drew in the run
    got = sorted(p.relative_to(tmp_path / "maps") for p in (tmp_path / "maps").rglob("*.html"))
    ref = sorted(p.relative_to(out / "maps") for p in (out / "maps").rglob("*.html"))
    assert got == ref and made["n_field_maps"] == run.job_result.outputs["n_field_maps"]
    for rel in ref:
        assert _page(tmp_path / "maps" / rel) == _page(out / "maps" / rel), rel


def test_each_county_dossier_gets_its_own_photos_and_the_unplaced_are_listed_once(
    province_folder: Path, client: Any, tmp_path: Path
) -> None:
    out = province_folder / "out_county_photos"
    job = load_job(_maps_job(province_folder, "county_photos"))
    run = run_job_on_cluster(job, out, client=client, progress=False)
    jr = run.job_result
    from rsgeo.cluster.county_run import county_of

    of = county_of([], jr.result)
    # a patch in each of two counties
    first = str(of.index[0])
    last = str(of.index[(of != of.iloc[0]).to_numpy()][0])
    # a 1x1 JPEG per photo; one of them belongs to no patch
    jpeg = bytes.fromhex(
        "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b"
        "0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432"
        "ffc0000b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a"
        "0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1"
        "082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455"
        "565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8"
        "a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6"
        "f7f8f9faffda0008010100003f00fbd3ffd9"
    )

    def table(ids: list[str], patches: list[str]) -> pd.DataFrame:
        rows = {c: [None] * len(ids) for c in PHOTO_COLUMNS}
        rows.update(photo_id=ids, name=[f"{i}.jpg" for i in ids], patch_id=patches)
        rows.update(format=["jpg"] * len(ids), data=[jpeg] * len(ids), problem=[""] * len(ids))
        return pd.DataFrame(rows)

    placed = table(["P1", "P2"], [first, last]).assign(
        matched_patch=[first, last], matched_by=["id", "id"]
    )
    lost = table(["P3"], ["X"]).assign(reason=["无此图斑"])
    photos = PhotoMatches(placed=placed, unplaced=lost, n_sealed=0)
    want = {"county_map": False, "field_maps": False, "dossiers": True}
    write_county_maps_and_dossiers(
        jr,
        tmp_path,
        county_of=of,
        county_stats=run.county_stats,
        want=want,
        dossier_counties=None,
        photos=photos,
        overwrite=False,
        progress=False,
    )
    names = jr.townships.drop_duplicates("county_code").set_index("county_code")["county_name"]
    dossiers = tmp_path / "dossiers"
    where = sorted(p.relative_to(dossiers).parts for p in dossiers.rglob("*.jp*g"))
    # each photo once, copied as delivered: the placed ones in their patch's dossier in
    # their county's folder, the unplaced one in the province's list
    assert all(p.read_bytes() == jpeg for p in dossiers.rglob("*.jp*g"))
    folder = {pid: county_folder_name(str(of[pid]), str(names[of[pid]])) for pid in (first, last)}
    assert folder[first] != folder[last]
    assert where == sorted(
        [
            (folder[first], first, "photos", "P1.jpg"),
            (folder[last], last, "photos", "P2.jpg"),
            ("未归属照片", "P3.jpg"),
        ]
    )
    assert "P3" in (dossiers / "未归属照片.html").read_text(encoding="utf-8")


def test_a_county_written_again_after_a_broken_try_gives_the_same_pages(
    province_folder: Path, client: Any, tmp_path: Path
) -> None:
    from rsgeo.cluster.county_outputs import county_work, write_county
    from rsgeo.cluster.county_run import county_of

    out = province_folder / "out_county_retry"
    job = load_job(_maps_job(province_folder, "county_retry"))
    run = run_job_on_cluster(job, out, client=client, progress=False)
    assert run.county_stats is not None
    want = {"county_map": True, "field_maps": True, "dossiers": True}
    [work, *_] = county_work(
        run.job_result,
        county_of=county_of([], run.job_result.result),
        county_stats=run.county_stats,
        want=want,
        dossier_counties=None,
        overwrite=False,
    )
    write_county(work, tmp_path)
    pages = sorted((tmp_path / "maps").rglob("*.html"))
    first = {p: _page(p) for p in pages}
    # a try that died half way: one page cut short, another one missing
    pages[0].write_bytes(pages[0].read_bytes()[:100])
    pages[-1].unlink()
    write_county(work, tmp_path)
    assert sorted((tmp_path / "maps").rglob("*.html")) == pages
    assert {p: _page(p) for p in pages} == first
    dossiers = tmp_path / "dossiers" / work.folder
    assert {p.name for p in dossiers.iterdir() if p.is_dir()} >= set(work.result.index.astype(str))


def test_a_county_that_fails_names_no_sealed_patch_and_leaves_no_output(
    province_folder: Path, client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    import geopandas as gpd
    import numpy as np

    import rsgeo.cluster.county_run as county_run

    for key in ("farmland", "redline", "townships"):
        shutil.copy(province_folder / f"{key}.gpkg", tmp_path / f"{key}.gpkg")
    patches = gpd.read_file(province_folder / "patches.gpkg")
    sealed = str(patches["patch_id"].iloc[0])
    patches["military"] = np.where(patches["patch_id"] == sealed, "是", "")
    patches.to_file(tmp_path / "patches.gpkg", layer="patches", driver="GPKG")
    job = load_job(_maps_job(tmp_path, "county_fails"))

    def failing(work: Any, folder: Any, **kwargs: Any) -> Any:
        raise ValueError(f"cannot draw patches {sealed} and {work.result.index[-1]}")

    # the workers cannot see the folder here, so this process draws (and fails)
    monkeypatch.setattr(county_run, "write_county", failing)
    real_init = county_run.CountyRun.__init__

    def blind(self: Any, client: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, _BlindClient(), *args, **kwargs)

    monkeypatch.setattr(county_run.CountyRun, "__init__", blind)
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="cannot draw patches") as err:
        run_job_on_cluster(job, out, client=client, progress=False)
    assert sealed not in str(err.value)
    assert not out.exists()  # the staging folder is discarded: nothing half-written
