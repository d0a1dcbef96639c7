"""The generator's scale mode writes province-like layers that rsgeo reads back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rsgeo
from rsgeo.errors import OutputExistsError
from rsgeo.synthetic.county import main


def test_province_mode_writes_readable_layers(tmp_path: Path) -> None:
    args = ["--province", "--patches", "300", "--farmland", "3000", "--out", str(tmp_path)]
    assert main(args) == 0
    farmland = rsgeo.read_layer(tmp_path / "farmland.gpkg")
    patches = rsgeo.read_patches(tmp_path / "patches.gpkg")
    assert len(farmland) == 3000 and len(patches) == 300
    assert farmland.crs.to_epsg() == 4545 and patches.crs.to_epsg() == 4545
    # issue 4's data: cultivated cells of about 0.34 ha, patches of 0.03–5 ha
    cell_ha = rsgeo.ellipsoidal_area(farmland) / 1e4
    assert 0.25 < float(np.median(cell_ha)) < 0.45
    patch_ha = rsgeo.ellipsoidal_area(patches) / 1e4
    assert patch_ha.min() > 0.025 and patch_ha.max() < 5.5
    with pytest.raises(OutputExistsError):
        main(args)
    assert main([*args, "--overwrite"]) == 0
