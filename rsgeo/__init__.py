"""rsgeo: the GIS work of satellite-imagery land enforcement (卫片执法).

Read the ministry's change patches and the county's reference layers, overlay
them with official ellipsoidal areas, classify patches, compute township
statistics and accountability criteria, and write the workbook, maps, review
record and dossiers a county natural-resources bureau hands in.

The package is laid out in stages, each a subpackage: ``io`` (reading),
``geo`` (CRS, areas, repair, the clip kernel), ``analysis`` (the per-patch
table), ``stats`` (the per-township table), ``audit`` (review, spot checks)
and ``outputs`` (writers), over ``schema`` (the vocabulary) and ``options``
(frozen option objects); ``rsgeo.pipeline`` runs them in order for
``rsgeo run``. This module is the facade: public functions are imported on
first use, so optional extras (folium, rasterio, fpdf2) are needed only by
the functions that use them.

Examples
--------
>>> import rsgeo
>>> round(rsgeo.m2_to_mu(10000.0), 6)
15.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from rsgeo._version import __version__

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
    # options
    "ClassificationRules": "rsgeo.options",
    "StatsOptions": "rsgeo.options",
    "CriteriaThresholds": "rsgeo.options",
    "ListOptions": "rsgeo.options",
    "DeterminationOptions": "rsgeo.options",
    "ReviewOptions": "rsgeo.options",
    "SpotCheckOptions": "rsgeo.options",
    # units and areas
    "M2_PER_MU": "rsgeo.geo.units",
    "m2_to_mu": "rsgeo.geo.units",
    "mu_to_m2": "rsgeo.geo.units",
    "m2_to_ha": "rsgeo.geo.units",
    "ha_to_m2": "rsgeo.geo.units",
    "round_preserving_total": "rsgeo.geo.units",
    "round_half_up": "rsgeo.geo.units",
    "format_half_up": "rsgeo.geo.units",
    "ellipsoidal_area": "rsgeo.geo.area",
    # coordinate systems
    "gk_crs": "rsgeo.geo.crs",
    "choose_gk_crs": "rsgeo.geo.crs",
    "check_same_crs": "rsgeo.geo.crs",
    # reading
    "read_patches": "rsgeo.io.reading",
    "read_layer": "rsgeo.io.reading",
    "read_table": "rsgeo.io.tables",
    "combine_batches": "rsgeo.io.batches",
    "read_manual_flags": "rsgeo.io.tables",
    "ReadReport": "rsgeo.geo.repair",
    "repair_geometry": "rsgeo.geo.repair",
    # bundled sample
    "sample_path": "rsgeo.io.sample",
    "load_sample": "rsgeo.io.sample",
    # analysis: the per-patch table
    "overlay": "rsgeo.analysis.layer_overlay",
    "overlay_pieces": "rsgeo.analysis.layer_overlay",
    "patches_from_pieces": "rsgeo.analysis.layer_overlay",
    "classify": "rsgeo.analysis.classification",
    "apply_determinations": "rsgeo.analysis.determination",
    "read_determinations": "rsgeo.io.determination_table",
    "split_military": "rsgeo.schema.military",
    # statistics: the per-township table
    "patch_figures": "rsgeo.stats.deductions",
    "township_stats": "rsgeo.stats.township",
    "township_pieces": "rsgeo.stats.township",
    "red_black_lists": "rsgeo.stats.ranking",
    # audit
    "review": "rsgeo.audit.findings",
    "run_review": "rsgeo.audit.findings",
    "spot_check": "rsgeo.audit.sampling",
    "run_spot_check": "rsgeo.audit.sampling",
    # outputs
    "write_workbook": "rsgeo.outputs.workbook",
    "write_csv": "rsgeo.outputs.csv_tables",
    "county_map": "rsgeo.outputs.maps",
    "field_maps": "rsgeo.outputs.maps",
    "write_review_record": "rsgeo.outputs.review_record",
    "build_dossiers": "rsgeo.outputs.dossier.build",
    "write_sealed": "rsgeo.outputs.sealed",
    # the patch register across batches
    "Register": "rsgeo.register.book",
    "RegisterError": "rsgeo.errors",
    "RegisterVersionError": "rsgeo.errors",
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


if TYPE_CHECKING:  # for type checkers and IDEs
    from rsgeo.analysis.classification import classify
    from rsgeo.analysis.determination import apply_determinations
    from rsgeo.analysis.layer_overlay import overlay, overlay_pieces, patches_from_pieces
    from rsgeo.audit.findings import review, run_review
    from rsgeo.audit.sampling import run_spot_check, spot_check
    from rsgeo.errors import (
        CRSError,
        CRSMismatchError,
        DataFileError,
        DuplicateIdError,
        FieldError,
        GeometryError,
        InputError,
        OutputExistsError,
        RegisterError,
        RegisterVersionError,
        RsgeoError,
    )
    from rsgeo.geo.area import ellipsoidal_area
    from rsgeo.geo.crs import check_same_crs, choose_gk_crs, gk_crs
    from rsgeo.geo.repair import ReadReport, repair_geometry
    from rsgeo.geo.units import (
        M2_PER_MU,
        format_half_up,
        ha_to_m2,
        m2_to_ha,
        m2_to_mu,
        mu_to_m2,
        round_half_up,
        round_preserving_total,
    )
    from rsgeo.io.batches import combine_batches
    from rsgeo.io.determination_table import read_determinations
    from rsgeo.io.reading import read_layer, read_patches
    from rsgeo.io.sample import load_sample, sample_path
    from rsgeo.io.tables import read_manual_flags, read_table
    from rsgeo.options import (
        ClassificationRules,
        CriteriaThresholds,
        DeterminationOptions,
        ListOptions,
        ReviewOptions,
        SpotCheckOptions,
        StatsOptions,
    )
    from rsgeo.outputs.csv_tables import write_csv
    from rsgeo.outputs.dossier.build import build_dossiers
    from rsgeo.outputs.maps import county_map, field_maps
    from rsgeo.outputs.review_record import write_review_record
    from rsgeo.outputs.sealed import write_sealed
    from rsgeo.outputs.workbook import write_workbook
    from rsgeo.register.book import Register
    from rsgeo.schema.military import split_military
    from rsgeo.stats.deductions import patch_figures
    from rsgeo.stats.ranking import red_black_lists
    from rsgeo.stats.township import township_pieces, township_stats
