"""The small synthetic province of the cluster tests (``import cluster_province``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rsgeo.pipeline import JobResult
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


REL = 1e-9


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    return pd.DataFrame(frame[cols]).astype(float)


def assert_same_figures(got: JobResult, ref: JobResult) -> None:
    """Per-patch areas, pieces, township statistics (total row included) to 1e-9 relative."""
    assert list(got.result.index) == list(ref.result.index)
    areas = [c for c in ref.result.columns if c.endswith("_m2") or c.endswith("_mu")]
    assert areas and set(areas) <= set(got.result.columns)
    np.testing.assert_allclose(
        _numeric(got.result[areas]).to_numpy(), _numeric(ref.result[areas]).to_numpy(), rtol=REL
    )
    texts = [c for c in ref.result.columns if c not in areas and c != "geometry"]
    pd.testing.assert_frame_equal(
        pd.DataFrame(got.result[texts]), pd.DataFrame(ref.result[texts]), rtol=REL
    )
    assert sorted(got.pieces.index) == sorted(ref.pieces.index)
    p_got = _numeric(got.pieces).sort_index()
    p_ref = _numeric(ref.pieces).sort_index()
    np.testing.assert_allclose(p_got.to_numpy(), p_ref.to_numpy(), rtol=REL, atol=1e-9)
    assert list(got.stats.index) == list(ref.stats.index)
    pd.testing.assert_frame_equal(got.stats, ref.stats, rtol=REL, check_exact=False)
    pd.testing.assert_frame_equal(got.figures, ref.figures, rtol=REL, check_exact=False)
    pd.testing.assert_frame_equal(got.lists, ref.lists)
