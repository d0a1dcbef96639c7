"""A page's reference layers drawn together give each layer's own drawing."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pytest
import shapely

from rsgeo.outputs.maps.reference import reference_entries, shown_area


def _layer(x0: float, n: int, *, bowtie: bool = False) -> gpd.GeoDataFrame:
    shapes = [
        shapely.Polygon(
            [
                (x0 + 120 * i, 2_790_000),
                (x0 + 120 * i + 90, 2_790_000),
                (x0 + 120 * i + 90.3, 2_790_070.2),
                (x0 + 120 * i + 45, 2_790_100),
                (x0 + 120 * i, 2_790_080),
            ]
        )
        for i in range(n)
    ]
    if bowtie:  # invalid: repaired for display, with a warning that names the layer
        shapes.append(
            shapely.Polygon(
                [(x0, 2_790_200), (x0 + 50, 2_790_250), (x0 + 50, 2_790_200), (x0, 2_790_250)]
            )
        )
    return gpd.GeoDataFrame(geometry=shapes, crs="EPSG:4524")


@pytest.mark.parametrize("datum", ["cgcs2000", "gcj02"])
def test_layers_drawn_together_are_each_layer_drawn_alone(datum):
    layers = {
        "pbf": _layer(36_500_000, 6),
        "redline": _layer(36_500_300, 4, bowtie=True),
        "urban": _layer(36_499_800, 3),
        "approved": _layer(36_600_000, 2),  # nowhere near the patches: nothing drawn
    }
    patches = gpd.GeoSeries(
        [shapely.box(36_500_050, 2_790_020, 36_500_400, 2_790_230)], crs="EPSG:4524"
    )
    area = shown_area(patches, margin_m=60.0)
    kw = {"tolerance_m": 0.5, "datum": datum, "show": None, "area": area}
    with warnings.catch_warnings(record=True) as together_warned:
        warnings.simplefilter("always")
        together = reference_entries(layers, **kw)
    alone = []
    with warnings.catch_warnings(record=True) as alone_warned:
        warnings.simplefilter("always")
        for key, layer in layers.items():
            alone += reference_entries({key: layer}, **kw)
    assert [e["geojson"].text for e in together] == [e["geojson"].text for e in alone]
    assert [e["geojson"].count for e in together] == [e["geojson"].count for e in alone]
    assert [e["geojson"].count for e in together][-1] == 0
    assert min(e["geojson"].count for e in together[:3]) > 0
    said = [str(w.message) for w in together_warned]
    assert said == [str(w.message) for w in alone_warned]
    assert len(said) == 1 and "redline layer" in said[0]
