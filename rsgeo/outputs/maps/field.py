"""Offline field-crew maps (外业核查图): one self-contained HTML page per township.

Crews open the page on a phone or laptop in a village without signal, so
each page carries everything it needs: Leaflet and rsgeo's controls inlined,
the patches with their monitoring numbers, the lon/lat of a point inside each
patch to navigate by, the nearby reference layers, a GPS locate-me button
(the device's own satellite fix, no network) and a measuring tool. There is
no basemap unless the user gives imagery: a GeoTIFF or MBTiles file cut into
the map's own Web Mercator tiles (``options.basemap``, :mod:`.basemap`), shipped
in a folder beside the page or inside it; a single GeoTIFF image embedded in the
page (``imagery``); or a tile URL (for example Tianditu with a key).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import glob
import math
import re
import shutil
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from rsgeo.errors import DataFileError, InputError, OutputExistsError, format_problems
from rsgeo.options import MapOptions
from rsgeo.outputs.maps._build import (
    DISPLAY_CRS,
    BasemapDatum,
    bounds_latlon,
    build_map,
    check_inputs,
    class_legend,
    datum_note,
    display_geometry,
    feature_collection,
    feature_columns,
    not_drawn_note,
    ordinary_patches,
    patch_features,
    repaired,
    with_area,
)
from rsgeo.outputs.maps.basemap import (
    Box,
    TileSet,
    basemap_open,
    basemap_tiles,
    embedded_index,
    write_tiles,
)
from rsgeo.outputs.maps.gcj02 import wgs84_to_gcj02
from rsgeo.outputs.maps.parts import Part, index_page, spatial_groups
from rsgeo.outputs.maps.reference import (
    clipped_layers,
    reference_entries,
    reference_legend,
    shown_area,
)
from rsgeo.outputs.names import safe_name
from rsgeo.schema.labels import LAYER_LABELS, MAP_LABELS, OUTSIDE_TOWNSHIPS_NAME
from rsgeo.schema.military import ordinary

__all__ = ["UNASSIGNED", "field_maps"]

UNASSIGNED = "unassigned"
"""File-name code of the page holding patches without a township code."""

_BAD_CHARS = re.compile(r'[\\/:*?"<>|\s]+')


_PART_TOKEN = "rsgeoPartToken7c1e"
"""Stands for a part's line in a trial page; replaced once the parts are known."""


def _remove_parts(target: Path) -> None:
    """Remove the parts (and their tile folders) of an earlier run's page ``target``."""
    for old in target.parent.glob(f"{glob.escape(target.stem)}_[0-9][0-9]*"):
        if re.fullmatch(re.escape(target.stem) + r"_\d{2,}(\.html|_tiles)", old.name):
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()


def _first(
    build: Any,
    code: str,
    name: str,
    seen: list[tuple[int, int]],
    group: gpd.GeoDataFrame,
    **kwargs: Any,
) -> str:
    """The page text of ``build(group, code, name, **kwargs)`` (a trial page); its size
    and patch count are added to ``seen``."""
    text: str = build(group, code, name, **kwargs)[0]
    seen.append((len(text.encode("utf-8")), len(group)))
    return text


def _fitting_groups(
    group: gpd.GeoDataFrame,
    trial: Any,
    *,
    budget: int,
    first_size: int,
    work_crs: Any,
) -> list[tuple[gpd.GeoDataFrame, str | None]]:
    """A township's patches in compact groups whose pages fit the budget, with their pages.

    The patches are cut into as many groups as the page's size asks for
    (:func:`.parts.spatial_groups` on the patches' centres); a group whose
    page is still too large is cut again. A single patch is a group however
    large its page.
    """
    centres = group.geometry.to_crs(work_crs).envelope.centroid
    x, y = centres.x.to_numpy(), centres.y.to_numpy()
    out: list[tuple[gpd.GeoDataFrame, str | None]] = []

    def split(positions: np.ndarray, size: int) -> None:
        k = max(2, math.ceil(size * 1.1 / budget))
        for sub in spatial_groups(x[positions], y[positions], k):
            members = positions[sub]
            text = trial(group.iloc[members])
            n_bytes = len(text.encode("utf-8"))
            if n_bytes <= budget or len(members) == 1:
                out.append((group.iloc[members], text))
            else:
                del text
                split(members, n_bytes)

    split(np.arange(len(group)), first_size)
    return out


def _tiles_folder(page: Path) -> Path:
    """The folder of a page's basemap tiles, beside it: ``{page stem}_tiles``."""
    return page.with_name(page.stem + "_tiles")


def _lonlat_boxes(geoms: gpd.GeoSeries, *, margin_m: float, datum: str) -> list[Box]:
    """Bounding boxes (degrees, in the basemap's datum) of geometries grown by ``margin_m``."""
    grown = geoms.envelope.buffer(margin_m, join_style="mitre")
    # CGCS2000 degrees: PROJ takes them to WGS84 by a null ("ballpark") step, so they are
    # the WGS84 degrees too, and the pages' display CRS needs no transformation of its own
    boxes = grown.to_crs(DISPLAY_CRS).bounds.to_numpy()
    if datum == "gcj02":
        west, south = wgs84_to_gcj02(boxes[:, 0], boxes[:, 1])
        east, north = wgs84_to_gcj02(boxes[:, 2], boxes[:, 3])
        boxes = np.c_[west, south, east, north]
    return [(float(a), float(b), float(c), float(d)) for a, b, c, d in boxes]


def _basemap_config(tileset: TileSet, page: Path, *, embed: bool) -> dict[str, Any]:
    """The page's basemap entry: the tile index and where the tiles lie."""
    cfg: dict[str, Any] = {
        "name": tileset.name,
        "minNativeZoom": tileset.min_zoom,
        "maxNativeZoom": tileset.max_zoom,
    }
    if embed:
        cfg["tiles"] = embedded_index(tileset)
    else:
        folder = _tiles_folder(page)
        if folder.exists():
            shutil.rmtree(folder)
        write_tiles(tileset, folder)
        cfg["folder"] = folder.name
        cfg["index"] = tileset.index()
    return cfg


def _in_crs(geoms: gpd.GeoSeries, crs: Any) -> gpd.GeoSeries:
    return geoms if crs is None or geoms.crs == crs else geoms.to_crs(crs)


def _file_name(code: str, name: str) -> str:
    stem = code if not name or name == code else f"{code}_{name}"
    return safe_name(_BAD_CHARS.sub("_", stem).strip("._")) + ".html"


def _blank_codes(patches: pd.DataFrame, drawn: pd.Index) -> dict[str, int]:
    """Township code (or :data:`UNASSIGNED`) -> ordinary patches there without a shape."""
    rest = ordinary(patches)
    rest = rest.loc[~rest.index.astype(str).isin(drawn)]
    if "township_code" not in rest.columns:
        return {}
    codes = rest["township_code"].astype("string").str.strip().fillna("")
    return {str(k): int(v) for k, v in codes.where(codes != "", UNASSIGNED).value_counts().items()}


def _township_names(patches: pd.DataFrame, townships: gpd.GeoDataFrame | None) -> dict[str, str]:
    names: dict[str, str] = {}
    if townships is not None:
        tw = townships.reset_index() if "township_code" not in townships.columns else townships
        if "township_name" in tw.columns:
            for code, name in zip(tw["township_code"], tw["township_name"], strict=True):
                if pd.notna(name):
                    names[str(code)] = str(name)
    if "township_name" in patches.columns:
        for code, name in zip(patches["township_code"], patches["township_name"], strict=True):
            if pd.notna(code) and pd.notna(name):
                names.setdefault(str(code), str(name))
    return names


def _imagery_overlay(
    source: str | Path, area: Any, area_crs: Any, *, max_px: int
) -> tuple[str, list[list[float]], str]:
    """Crop, warp to Web Mercator and embed local imagery as a JPEG data URI.

    Leaflet stretches an image overlay linearly in Web Mercator, so the image
    is warped to EPSG:3857 first: then its corners place every pixel exactly.
    """
    try:
        import rasterio
        import rasterio.errors
        from rasterio.enums import Resampling
        from rasterio.io import MemoryFile
        from rasterio.transform import from_bounds
        from rasterio.warp import reproject, transform_bounds
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError('local imagery needs rasterio: pip install "rsgeo[raster]"') from exc
    path = Path(source)
    if not path.exists():
        raise DataFileError(f"imagery file not found: {path}")
    minx, miny, maxx, maxy = transform_bounds(area_crs, "EPSG:3857", *area.bounds)
    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(f"imagery {path} has no CRS (georeference it first)")
        sx0, sy0, sx1, sy1 = transform_bounds(src.crs, "EPSG:3857", *src.bounds)
        minx, miny, maxx, maxy = max(minx, sx0), max(miny, sy0), min(maxx, sx1), min(maxy, sy1)
        if minx >= maxx or miny >= maxy:
            raise InputError(f"imagery {path} does not cover the township's patches")
        res = max((maxx - minx) / max_px, (maxy - miny) / max_px, 0.1)
        width = max(1, round((maxx - minx) / res))
        height = max(1, round((maxy - miny) / res))
        dst_transform = from_bounds(minx, miny, maxx, maxy, width, height)
        bands = [1, 2, 3] if src.count >= 3 else [1]
        data = np.zeros((len(bands), height, width), dtype="float64")
        for i, band in enumerate(bands):
            reproject(
                rasterio.band(src, band),
                data[i],
                dst_transform=dst_transform,
                dst_crs="EPSG:3857",
                resampling=Resampling.bilinear,
                dst_nodata=0,
            )
    if data.dtype != np.uint8:
        valid = data[data > 0]
        lo, hi = np.percentile(valid, [2, 98]) if valid.size else (0.0, 1.0)
        scale = 255.0 / max(hi - lo, 1e-9)
        data = np.clip((data - lo) * scale, 0, 255)
    image = data.astype("uint8")
    if image.shape[0] == 1:
        image = np.repeat(image, 3, axis=0)
    with warnings.catch_warnings(), MemoryFile() as mem:
        # a JPEG in memory carries no georeference: Leaflet places it by its corners
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with mem.open(
            driver="JPEG", width=width, height=height, count=3, dtype="uint8", quality=85
        ) as dst:
            dst.write(image)
        payload = base64.b64encode(mem.read()).decode("ascii")
    west, south, east, north = transform_bounds("EPSG:3857", "EPSG:4326", minx, miny, maxx, maxy)
    return f"data:image/jpeg;base64,{payload}", [[south, west], [north, east]], "本地影像"


def field_maps(
    patches: gpd.GeoDataFrame,
    out_dir: str | Path,
    *,
    townships: gpd.GeoDataFrame | None = None,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    show_layers: Sequence[str] | None = None,
    tiles: str | None = None,
    tiles_attr: str | None = None,
    tiles_subdomains: str | Sequence[str] | None = None,
    imagery: str | Path | None = None,
    imagery_max_px: int = 2048,
    basemap_datum: BasemapDatum = "cgcs2000",
    simplify_tolerance_m: float = 0.5,
    layer_margin_m: float = 200.0,
    label_min_zoom: int = 13,
    options: MapOptions | None = None,
    overwrite: bool = False,
    progress: bool | None = None,
) -> dict[str, Path]:
    """Write one offline field-crew map per township.

    Military-land patches are removed first and every attribute is
    HTML-escaped. Each page is self-contained: no CDN, no tile server by
    default, so it works with no network at all.

    Parameters
    ----------
    patches : geopandas.GeoDataFrame
        Patch table indexed by ``patch_id`` with ``township_code`` (and
        ``township_name``); any CRS.
    out_dir : str or Path
        Folder for the pages (created if needed); one ``{code}_{name}.html``
        per township (``unassigned.html`` for patches without a township).
    townships : geopandas.GeoDataFrame, optional
        Township boundaries (``township_code``, ``township_name``), drawn as
        an outline.
    layers : mapping of str to GeoDataFrame, optional
        Reference layers by key: the features that meet a patch's bounding
        box grown by ``layer_margin_m``, cut there (found through each layer's
        spatial index), so the page grows with the township's patches, not
        with the layer.
    show_layers : sequence of str, optional
        Keys of layers shown when the page opens (default: all).
    tiles, tiles_attr, tiles_subdomains : str, optional
        A user-configured tile URL (e.g. Tianditu with a key). Default none.
    imagery : str or Path, optional
        A georeferenced image (GeoTIFF) embedded under the patches, cropped to
        the township's patches and at most ``imagery_max_px`` pixels a side.
    basemap_datum : {"cgcs2000", "wgs84", "gcj02"}, default "cgcs2000"
        Datum of the configured tiles; ``"gcj02"`` converts the overlay (and
        the GPS position) to GCJ-02.
    simplify_tolerance_m : float, default 0.5
        Display simplification in metres (areas come from the table).
    layer_margin_m : float, default 200
        Margin around each patch's bounding box within which reference
        layers are drawn.
    label_min_zoom : int, default 13
        Zoom level from which monitoring numbers are shown (short labels, the
        shortest ending that tells the page's patches apart; labels that
        would overlap are hidden until zoomed in).
    options : MapOptions, optional
        The offline basemap (``[maps]`` of the job): a GeoTIFF or MBTiles file
        cut into each page's own tiles, in a ``{page}_tiles`` folder beside
        the page or inside it (``basemap_embed``). Its ``basemap_datum``
        applies to the whole page. ``page_max_mb``: the largest page; a
        township above it is drawn in compact parts (:mod:`.parts`).
    overwrite : bool, default False
        Replace existing pages.
    progress : bool, optional
        Show a progress bar (default: when writing to a terminal).

    Returns
    -------
    dict of str to Path
        Township code → page written: the township's map, or, for a township
        drawn in parts (its page would be larger than ``options.page_max_mb``),
        the index of its parts (``{code}_{name}_01.html`` … beside it).

    Examples
    --------
    >>> import tempfile
    >>> from shapely.geometry import box
    >>> p = gpd.GeoDataFrame({"township_code": ["450225100"], "township_name": ["融水镇"]},
    ...     geometry=[box(36500000, 2790000, 36500020, 2790020)],
    ...     index=pd.Index(["P1"], name="patch_id"), crs="EPSG:4524")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     pages = field_maps(p, folder, progress=False)
    ...     [path.name for path in pages.values()]
    ['450225100_融水镇.html']
    """
    from tqdm.auto import tqdm

    extra: list[str] = []
    if isinstance(patches, pd.DataFrame) and "township_code" not in patches.columns:
        extra.append(
            "patches need a township_code column (from rsgeo.overlay) to split by township"
        )
    if simplify_tolerance_m < 0 or layer_margin_m < 0:
        extra.append("simplify_tolerance_m and layer_margin_m must be ≥ 0")
    opts = MapOptions.coerce(options)
    if opts.basemap is not None:
        if imagery is not None:
            extra.append("give one local basemap: options.basemap or imagery=..., not both")
        if basemap_datum != "cgcs2000" and basemap_datum != opts.basemap_datum:
            extra.append(
                f"basemap_datum={basemap_datum!r} differs from the basemap's "
                f"basemap_datum={opts.basemap_datum!r}"
            )
        basemap_datum = opts.basemap_datum
    if extra:
        raise InputError(format_problems("Cannot draw the field maps:", extra))
    check_inputs(
        patches,
        townships=townships,
        layers=layers,
        basemap_datum=basemap_datum,
        tiles=tiles,
        imagery=imagery,
    )
    drawable, _ = ordinary_patches(patches)
    shown = with_area(drawable)
    shown = shown[feature_columns(shown, layers, also=("township_code", "township_name"))]
    blank_codes = _blank_codes(patches, drawable.index)
    codes = shown["township_code"].astype("string").str.strip().fillna("")
    codes = codes.where(codes != "", UNASSIGNED)
    names = _township_names(shown, townships)
    folder = Path(out_dir)
    targets = {
        code: folder / _file_name(code, names.get(code, "")) for code in sorted(codes.unique())
    }
    existing = [str(p) for p in targets.values() if p.exists()]
    if opts.basemap is not None and not opts.basemap_embed:
        existing += [str(_tiles_folder(p)) for p in targets.values() if _tiles_folder(p).exists()]
    if existing and not overwrite:
        raise OutputExistsError(
            format_problems(
                f"{len(existing)} field map(s) exist; pass overwrite=True to replace:", existing
            )
        )
    folder.mkdir(parents=True, exist_ok=True)
    work_crs = shown.crs
    if work_crs is not None and work_crs.is_geographic:
        work_crs = shown.geometry.estimate_utm_crs()
    tw_frame = None
    if townships is not None:
        tw_frame = (
            townships.reset_index() if "township_code" not in townships.columns else townships
        )
        tw_frame = tw_frame.assign(township_code=tw_frame["township_code"].astype(str))
    # each layer projected once and cut to the county's patches once; each page
    # then takes its township's share through the spatial index
    near = shown_area(shown.geometry.to_crs(work_crs), margin_m=layer_margin_m)
    work_layers = clipped_layers(
        {key: _in_crs(layer.geometry, work_crs) for key, layer in (layers or {}).items()}, near
    )
    show_bar = sys.stderr.isatty() if progress is None else progress
    today = dt.date.today().isoformat()
    budget = int(opts.page_max_mb * 1_000_000)

    def page_html(
        group: gpd.GeoDataFrame,
        code: str,
        name: str,
        *,
        target: Path | None,
        part: str | None = None,
        index: Path | None = None,
    ) -> tuple[str, Any]:
        """The page of some of a township's patches, and their lon/lat bounds.

        ``target`` None: no folder basemap (a trial of the page's size; the
        folder basemap adds only its tile index). ``part`` is the part's line
        in the title and the info box.
        """
        title = f"{name} 外业核查图" + (f" {part}" if part else "")
        fc, counts, parts = patch_features(
            group,
            tolerance_m=simplify_tolerance_m,
            datum=basemap_datum,
            layers=layers,
            geo_links=True,
        )
        work_geoms = _in_crs(group.geometry, work_crs)
        area = shapely.box(*work_geoms.total_bounds).buffer(layer_margin_m, join_style="mitre")
        refs = reference_entries(
            work_layers,
            tolerance_m=simplify_tolerance_m,
            datum=basemap_datum,
            show=show_layers,
            area=shown_area(work_geoms, margin_m=layer_margin_m),
        )
        legend = [class_legend(counts)]
        ref_legend = reference_legend(refs)
        outline = None
        if tw_frame is not None:
            mine = tw_frame[tw_frame["township_code"] == code]
            if len(mine):
                geoms = repaired(mine.geometry, what="township")
                outline = feature_collection(
                    display_geometry(geoms, tolerance_m=5.0, datum=basemap_datum),
                    [{"tip": name, "fill": "#ffffff"}] * len(mine),
                )
                legend.append(
                    {
                        "title": "界线",
                        "items": [
                            {"label": LAYER_LABELS["townships"], "color": "#444444", "line": True}
                        ],
                    }
                )
        if ref_legend:
            legend.append(ref_legend)
        image = None
        if imagery is not None:
            image = _imagery_overlay(imagery, area, work_crs, max_px=imagery_max_px)
        base = None
        if opts.basemap is not None and (target is not None or opts.basemap_embed):
            area_box = _lonlat_boxes(
                gpd.GeoSeries([area], crs=work_crs), margin_m=0.0, datum=basemap_datum
            )[0]
            near = _lonlat_boxes(
                work_geoms,
                margin_m=opts.basemap_margin_m,
                datum=basemap_datum,
            )
            tileset = basemap_tiles(
                opts.basemap, area_box, near, options=opts, what=f"{name} ({code})"
            )
            if tileset.tiles:
                # a trial (no target) comes here only with embedded tiles: nothing is written
                base = _basemap_config(tileset, target or Path(), embed=opts.basemap_embed)
            elif target is not None:
                warnings.warn(
                    f"the basemap {tileset.name} does not cover the field map of {name} "
                    f"({code}){f' {part}' if part else ''}; that map has no basemap",
                    stacklevel=3,
                )
        cfg = {
            "patches": fc,
            "popupParts": parts,
            "patchesLabel": "变化图斑",
            "townships": outline,
            "townshipsLabel": LAYER_LABELS["townships"],
            "townshipFillOpacity": 0.0,
            "reference": refs,
            "legend": legend,
            "labels": True,
            "labelMinZoom": label_min_zoom,
            "collapseLayers": True,
            "info": [
                title,
                f"图斑 {fc.count} 个 · 制图日期 {today}",
                *not_drawn_note(0 if part else blank_codes.get(code, 0)),
                datum_note(basemap_datum),
                *([f"{MAP_LABELS['basemap']}：{base['name']}"] if base else []),
            ],
            "indexLink": (
                {"href": index.name, "text": MAP_LABELS["part_index_link"]} if index else None
            ),
            "list": True,
            "locate": True,
            "datum": basemap_datum,
            "fit": bounds_latlon([fc]),
            "basemap": base,
            "basemapLabel": MAP_LABELS["basemap"],
        }
        fmap = build_map(
            cfg,
            title=title,
            tiles=tiles,
            tiles_attr=tiles_attr,
            tiles_subdomains=tiles_subdomains,
            imagery=image,
        )
        return fmap.get_root().render(), fc.bounds

    with basemap_open(opts.basemap):  # one open of a GeoTIFF basemap for all pages
        written: dict[str, Path] = {}
        seen: list[tuple[int, int]] = []  # (bytes, patches) of each page drawn
        for code, target in tqdm(targets.items(), desc="field maps", disable=not show_bar):
            group = shown.loc[(codes == code).to_numpy()]
            name = names.get(code, OUTSIDE_TOWNSHIPS_NAME if code == UNASSIGNED else code)
            _remove_parts(target)
            folder_base = opts.basemap is not None and not opts.basemap_embed
            # bytes a patch on the pages drawn so far: a township that would not fit
            # is cut at once, without drawing its whole page first
            guess = len(group) * sum(b for b, _ in seen) / max(1, sum(n for _, n in seen))
            if guess <= budget or len(group) == 1:
                text, _ = page_html(group, code, name, target=target)
                size = len(text.encode("utf-8"))
                seen.append((size, len(group)))
                if size <= budget or len(group) == 1:
                    target.write_text(text, encoding="utf-8")
                    written[code] = target
                    continue
                del text
                guess = size
                if _tiles_folder(target).exists():  # the parts get their own tiles
                    shutil.rmtree(_tiles_folder(target))
            groups = _fitting_groups(
                group,
                functools.partial(
                    _first, page_html, code, name, seen, target=None, part=_PART_TOKEN, index=target
                ),
                # a trial page lacks the folder basemap's tile index (at most ~32 bytes a tile)
                budget=budget - (32 * opts.basemap_max_tiles + 512 if folder_base else 0),
                first_size=int(guess),
                work_crs=work_crs,
            )
            index_parts = []
            for i, (part_group, trial) in enumerate(groups, start=1):
                page = target.with_name(f"{target.stem}_{i:02d}.html")
                label = MAP_LABELS["part_title"].format(i=i, n=len(groups))
                if folder_base or trial is None:
                    trial, _ = page_html(
                        part_group, code, name, target=page, part=_PART_TOKEN, index=target
                    )
                page.write_text(trial.replace(_PART_TOKEN, label), encoding="utf-8")
                west, south, east, north = (
                    float(v) for v in part_group.geometry.to_crs(DISPLAY_CRS).total_bounds
                )
                index_parts.append(
                    Part(page.name, list(part_group.index.astype(str)), (west, south, east, north))
                )
            target.write_text(
                index_page(f"{name} 外业核查图", index_parts, date=today), encoding="utf-8"
            )
            written[code] = target
    return written
