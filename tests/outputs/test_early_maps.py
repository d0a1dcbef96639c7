"""Location maps drawn early: the dossiers' maps are the same bytes as maps drawn in place."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_dossier as td

from rsgeo.outputs.dossier.build import build_dossiers, folder_name, start_dossiers
from rsgeo.outputs.dossier.early_maps import EARLY_MAPS_FOLDER, EarlyMaps, start_early_maps

pytest.importorskip("PIL")

if not sys.platform.startswith("linux"):  # pragma: no cover - elsewhere nothing is drawn early
    pytest.skip("maps are drawn early on Linux only", allow_module_level=True)


def _towns() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"township_name": ["融水镇", "和睦镇"]},
        geometry=[
            box(td.X0 - 3000, td.Y0 - 3000, td.X0 + 1000, td.Y0 + 3000),
            box(td.X0 + 1000, td.Y0 - 3000, td.X0 + 25000, td.Y0 + 3000),
        ],
        crs="EPSG:4545",
    )


def _maps(folder: Path, table: gpd.GeoDataFrame) -> dict[str, bytes]:
    return {
        pid: (folder / folder_name(pid) / "location_map.png").read_bytes()
        for pid in table.index
        if (folder / folder_name(pid) / "location_map.png").is_file()
    }


def _drawn(early: EarlyMaps) -> list[Path]:
    early.wait(timeout=60)  # every map drawn
    return sorted(early.folder.glob("*.png"))


def test_dossiers_take_the_early_maps_and_their_bytes_are_the_maps_drawn_in_place(
    tmp_path: Path,
) -> None:
    result, towns = td.make_result(), _towns()
    reference = tmp_path / "reference"
    build_dossiers(result, reference, townships=towns, pdf=False, n_jobs=1, progress=False)
    out = tmp_path / "d"
    early = start_early_maps(result, out, townships=towns)
    assert early is not None
    drawn = _drawn(early)
    # the sealed patch is not drawn: one map for each of the three ordinary patches
    assert len(drawn) == 3
    run = start_dossiers(
        result, out, townships=towns, pdf=False, n_jobs=1, progress=False, early_maps=early
    )
    run.wait()
    assert list(early.folder.glob("*.png")) == []  # every map taken, none drawn again
    assert _maps(out, result) == _maps(reference, result)
    early.close()
    assert not (out / EARLY_MAPS_FOLDER).exists()


def test_a_map_showing_other_neighbours_is_drawn_again(tmp_path: Path) -> None:
    """A patch moved after the maps were started: its map and its neighbour's are drawn
    again by the dossiers, the other taken; every map is what a run without them draws."""
    result, towns = td.make_result(), _towns()
    before = result.copy()
    # P2 was next to P1 (in its close-up) when the maps were started, then moved away
    before.loc["P2", "geometry"] = box(td.X0 + 130, td.Y0, td.X0 + 250, td.Y0 + 80)
    out = tmp_path / "d"
    early = start_early_maps(before, out, townships=towns)
    assert early is not None
    assert len(_drawn(early)) == 3
    build_dossiers(result, out, townships=towns, pdf=False, n_jobs=2, progress=False)
    run = start_dossiers(
        result,
        out / "again",
        townships=towns,
        pdf=False,
        n_jobs=2,
        progress=False,
        early_maps=early,
    )
    run.wait()
    left = list(early.folder.glob("*.png"))
    assert len(left) == 2  # P2 moved, and P1 showed P2 among its neighbours
    assert _maps(out / "again", result) == _maps(out, result)
    early.close()


def test_stopped_early_leaves_no_half_written_map(tmp_path: Path) -> None:
    result = td.make_result()
    many = gpd.GeoDataFrame(
        {"flag_military": [False] * 300},
        geometry=[
            box(td.X0 + 200 * i, td.Y0, td.X0 + 200 * i + 120, td.Y0 + 80) for i in range(300)
        ],
        index=[f"Q{i}" for i in range(300)],
        crs=result.crs,
    )
    early = start_early_maps(many, tmp_path / "d", townships=_towns())
    assert early is not None
    early.stop()  # at once: most maps not drawn
    names = [p.name for p in early.folder.iterdir()]
    assert len([n for n in names if n.endswith(".png")]) < 300
    from PIL import Image

    for png in early.folder.glob("*.png"):  # what is there is whole
        with Image.open(png) as im:
            im.load()
    early.close()
    assert not early.folder.exists()
