"""The small synthetic province of the cluster tests (``import cluster_province``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rsgeo.synthetic.county import province_job
from rsgeo.synthetic.province import make_province

N_PATCHES = 400
N_FARMLAND = 8_000
N_COUNTIES = 4
OUTPUTS = {
    "workbook": False,
    "csv": True,
    "county_map": False,
    "field_maps": False,
    "review": False,
    "dossiers": False,
    "sealed": False,
    "gis_layers": False,
    "reports": False,
}


def write_job(folder: Path, *, cluster: dict[str, Any] | None = None, name: str = "job") -> Path:
    """The province job file in ``folder`` (with a ``[cluster]`` table when given)."""
    text = province_job(folder, name="省级合成数据（分县）", outputs=OUTPUTS)
    if cluster:
        text += "\n[cluster]\n" + "".join(
            f"{k} = {v!r}\n".replace("'", '"') for k, v in cluster.items()
        )
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_province(folder: Path) -> Path:
    """The layers of a 4-county province (3 townships each) as GeoPackages in ``folder``."""
    layers = make_province(
        N_PATCHES,
        N_FARMLAND,
        n_redline=6,
        redline_vertices=300,
        n_counties=N_COUNTIES,
        townships_per_county=3,
        seed=11,
    )
    for key, gdf in layers.items():
        gdf.to_file(folder / f"{key}.gpkg", layer=key, driver="GPKG", engine="pyogrio")
    return folder
