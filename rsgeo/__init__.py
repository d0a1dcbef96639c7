"""rsgeo: the GIS work of satellite-imagery land enforcement (卫片执法).

Read the ministry's change patches and the county's reference layers, overlay
them with official ellipsoidal areas, classify patches, compute township
statistics and accountability criteria, and write the workbook, maps, review
record and dossiers a county natural-resources bureau hands in.

Most public functions are imported on first use, so optional extras (folium,
rasterio, fpdf2) are needed only by the functions that use them.

Examples
--------
>>> import rsgeo
>>> round(rsgeo.m2_to_mu(10000.0), 6)
15.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "RsgeoError": "rsgeo.errors",
    "InputError": "rsgeo.errors",
    "FieldError": "rsgeo.errors",
    "CRSError": "rsgeo.errors",
    "CRSMismatchError": "rsgeo.errors",
    "GeometryError": "rsgeo.errors",
    "DuplicateIdError": "rsgeo.errors",
    "DataFileError": "rsgeo.errors",
    "OutputExistsError": "rsgeo.errors",
    # units and areas
    "M2_PER_MU": "rsgeo.units",
    "m2_to_mu": "rsgeo.units",
    "mu_to_m2": "rsgeo.units",
    "m2_to_ha": "rsgeo.units",
    "ha_to_m2": "rsgeo.units",
    "round_preserving_total": "rsgeo.units",
    "ellipsoidal_area": "rsgeo.area",
    # coordinate systems
    "gk_crs": "rsgeo.crs",
    "choose_gk_crs": "rsgeo.crs",
    "check_same_crs": "rsgeo.crs",
    # reading
    "read_patches": "rsgeo.reading",
    "read_layer": "rsgeo.reading",
    "ReadReport": "rsgeo.geometry",
    "repair_geometry": "rsgeo.geometry",
    # bundled sample
    "sample_path": "rsgeo.sample",
    "load_sample": "rsgeo.sample",
    # overlay and classification
    "overlay": "rsgeo.overlay",
    "overlay_pieces": "rsgeo.overlay",
    "patches_from_pieces": "rsgeo.overlay",
    "classify": "rsgeo.classify",
    "ClassificationRules": "rsgeo.classify",
    "apply_determinations": "rsgeo.determinations",
    "read_determinations": "rsgeo.determinations",
    # statistics and reports
    "township_stats": "rsgeo.stats",
    "CriteriaThresholds": "rsgeo.criteria",
    "red_black_lists": "rsgeo.lists",
    "write_workbook": "rsgeo.workbook",
    "write_csv": "rsgeo.workbook",
    # maps
    "county_map": "rsgeo.maps",
    "field_maps": "rsgeo.maps",
    # review, dossiers, military land
    "review": "rsgeo.review",
    "write_review_record": "rsgeo.review",
    "spot_check": "rsgeo.spot_check",
    "build_dossiers": "rsgeo.dossier",
    "write_sealed": "rsgeo.sealed",
    "split_military": "rsgeo.military",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rsgeo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


# Functions named like the module that holds them are imported now: importing
# a submodule (``from rsgeo.overlay import OverlayReport``) binds the package
# attribute to the module, and ``rsgeo.overlay(...)`` would then fail with
# "module is not callable". Binding the function after the first import of
# the module keeps it, because a module is imported only once.
from rsgeo.classify import classify  # noqa: E402
from rsgeo.overlay import overlay  # noqa: E402
from rsgeo.review import review  # noqa: E402
from rsgeo.spot_check import spot_check  # noqa: E402

if TYPE_CHECKING:  # for type checkers and IDEs
    from rsgeo.area import ellipsoidal_area
    from rsgeo.crs import check_same_crs, choose_gk_crs, gk_crs
    from rsgeo.determinations import apply_determinations, read_determinations
    from rsgeo.dossier import build_dossiers
    from rsgeo.errors import (
        CRSError,
        CRSMismatchError,
        DataFileError,
        DuplicateIdError,
        FieldError,
        GeometryError,
        InputError,
        OutputExistsError,
        RsgeoError,
    )
    from rsgeo.geometry import ReadReport, repair_geometry
    from rsgeo.lists import red_black_lists
    from rsgeo.maps import county_map, field_maps
    from rsgeo.overlay import overlay_pieces, patches_from_pieces
    from rsgeo.reading import read_layer, read_patches
    from rsgeo.review_record import write_review_record
    from rsgeo.sample import load_sample, sample_path
    from rsgeo.stats import township_stats
    from rsgeo.units import (
        M2_PER_MU,
        ha_to_m2,
        m2_to_ha,
        m2_to_mu,
        mu_to_m2,
        round_preserving_total,
    )
    from rsgeo.workbook import write_csv, write_workbook
