"""Figures of a patch dossier: the static location map and the imagery chips.

Everything is drawn offline with matplotlib (no tiles, no downloads); chips
are cut from the county's before/after rasters with rasterio.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from rsgeo.dossier_fonts import find_cjk_font

__all__ = ["imagery_chip_png", "location_map_png", "margin_for"]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('dossier figures need matplotlib: pip install "rsgeo[dossier]"') from exc
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _font() -> Any:
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(find_cjk_font().path))


def margin_for(geom: Any, *, min_margin_m: float = 50.0) -> float:
    """Margin around a patch for maps and chips: half its larger side, at least ``min_margin_m``.

    >>> from shapely.geometry import box
    >>> margin_for(box(0, 0, 400, 100))
    200.0
    >>> margin_for(box(0, 0, 10, 10))
    50.0
    """
    minx, miny, maxx, maxy = geom.bounds
    return float(max(min_margin_m, 0.5 * max(maxx - minx, maxy - miny)))


def _plot_geom(ax: Any, geom: Any, **kwargs: Any) -> None:
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from shapely.geometry import MultiPolygon, Polygon

    polys: list[Polygon] = []
    if isinstance(geom, Polygon):
        polys = [geom]
    elif isinstance(geom, MultiPolygon):
        polys = list(geom.geoms)
    elif hasattr(geom, "geoms"):
        polys = [g for g in geom.geoms if isinstance(g, Polygon)]
    for poly in polys:
        rings = [poly.exterior, *poly.interiors]
        verts: list[Any] = []
        codes: list[Any] = []
        for ring in rings:
            xy = np.asarray(ring.coords)
            verts.extend(xy.tolist())
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
        ax.add_patch(PathPatch(MplPath(verts, codes), **kwargs))


def _scale_bar(ax: Any, width_m: float) -> None:
    nice = [1, 2, 5]
    target = width_m / 4
    exp = 10 ** np.floor(np.log10(max(target, 1e-9)))
    length = max(n * exp for n in nice if n * exp <= target) if target >= exp else exp
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xs = x0 + 0.05 * (x1 - x0)
    ys = y0 + 0.06 * (y1 - y0)
    ax.plot([xs, xs + length], [ys, ys], color="black", linewidth=3)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(xs + length / 2, ys + 0.02 * (y1 - y0), label, ha="center", va="bottom", fontsize=8)


def _north_arrow(ax: Any) -> None:
    ax.annotate(
        "N",
        xy=(0.93, 0.93),
        xytext=(0.93, 0.80),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        arrowprops={"arrowstyle": "-|>", "color": "black"},
    )


def location_map_png(
    geom: Any,
    out_path: Path,
    *,
    neighbours: list[Any],
    townships: list[tuple[str, Any]] | None,
    title: str,
    margin_m: float,
) -> None:
    """Write the location map: county overview (left) and the patch close up (right).

    ``geom``, ``neighbours`` and ``townships`` (name, geometry) are in one
    projected CRS (metres).
    """
    plt = _pyplot()
    font = _font()
    fig, (ax_over, ax_detail) = plt.subplots(1, 2, figsize=(9.0, 4.6), dpi=100)
    try:
        cx, cy = geom.centroid.x, geom.centroid.y
        # overview: townships (or a 5 km window) with the patch as a star
        if townships:
            for name, town in townships:
                _plot_geom(ax_over, town, facecolor="#f4f1e8", edgecolor="#777", linewidth=0.6)
                if name:
                    c = town.representative_point()
                    ax_over.text(
                        c.x,
                        c.y,
                        name,
                        fontproperties=font,
                        fontsize=6,
                        ha="center",
                        va="center",
                        color="#555",
                    )
            xs = [t.bounds for _, t in townships]
            ax_over.set_xlim(min(b[0] for b in xs), max(b[2] for b in xs))
            ax_over.set_ylim(min(b[1] for b in xs), max(b[3] for b in xs))
        else:
            if neighbours:
                pts = np.array([(g.centroid.x, g.centroid.y) for g in neighbours])
                ax_over.scatter(pts[:, 0], pts[:, 1], s=6, color="#888", zorder=2)
            ax_over.set_xlim(cx - 5000, cx + 5000)
            ax_over.set_ylim(cy - 5000, cy + 5000)
        _plot_geom(ax_over, geom, facecolor="#d62728", edgecolor="#d62728", linewidth=1.0)
        ax_over.plot(
            [cx], [cy], marker="*", color="#d62728", markersize=14, markeredgecolor="white"
        )
        ax_over.set_title("位置示意", fontproperties=font, fontsize=10)
        # detail: the patch, its neighbours, scale bar and north arrow
        minx, miny, maxx, maxy = geom.bounds
        half = max(maxx - minx, maxy - miny) / 2 + margin_m
        for other in neighbours:
            _plot_geom(ax_detail, other, facecolor="#ddd", edgecolor="#888", linewidth=0.6)
        _plot_geom(
            ax_detail, geom, facecolor=(0.84, 0.15, 0.16, 0.25), edgecolor="#d62728", linewidth=1.8
        )
        ax_detail.set_xlim(cx - half, cx + half)
        ax_detail.set_ylim(cy - half, cy + half)
        ax_detail.set_title("图斑范围", fontproperties=font, fontsize=10)
        for ax in (ax_over, ax_detail):
            ax.set_aspect("equal", adjustable="box")
            ax.tick_params(labelsize=6)
            ax.ticklabel_format(useOffset=False, style="plain")
        _scale_bar(ax_detail, 2 * half)
        _north_arrow(ax_detail)
        fig.suptitle(title, fontproperties=font, fontsize=11)
        fig.tight_layout()
        fig.savefig(out_path, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)


def _stretch(band: np.ndarray) -> np.ndarray:
    valid = band[np.isfinite(band)]
    if valid.size == 0:
        return np.zeros_like(band, dtype="float64")
    lo, hi = np.percentile(valid, [2, 98])
    if hi <= lo:
        hi = lo + 1
    return np.clip((band - lo) / (hi - lo), 0, 1)


def imagery_chip_png(
    raster: str | Path,
    geom: Any,
    crs: Any,
    out_path: Path,
    *,
    margin_m: float,
    title: str,
    max_pixels: int = 600,
) -> bool:
    """Cut a chip around ``geom`` (in ``crs``) from ``raster`` and draw it with the outline.

    Returns False (and writes nothing) when the raster does not cover the patch.
    """
    try:
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.warp import transform_bounds
        from rasterio.windows import Window, from_bounds
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError('imagery chips need rasterio: pip install "rsgeo[dossier]"') from exc
    import geopandas as gpd
    from pyproj import CRS

    minx, miny, maxx, maxy = geom.bounds
    bounds = (minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
    with warnings.catch_warnings(), rasterio.open(raster) as src:
        # rasterio's own use of affine's "*" operator warns; nothing to act on here
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        src_crs = CRS.from_wkt(src.crs.to_wkt()) if src.crs is not None else crs
        reproject = src_crs is not None and crs is not None and not CRS(src_crs).equals(crs)
        if reproject:
            bounds = transform_bounds(crs.to_wkt(), src.crs, *bounds, densify_pts=21)
        win = from_bounds(*bounds, transform=src.transform)
        full = Window(0, 0, src.width, src.height)
        try:
            win = win.intersection(full)
        except Exception:
            return False
        if win.width < 1 or win.height < 1:
            return False
        win = win.round_offsets().round_lengths()
        scale = max(win.width, win.height) / max_pixels
        out_w = max(1, round(win.width / max(scale, 1)))
        out_h = max(1, round(win.height / max(scale, 1)))
        bands = list(range(1, min(3, src.count) + 1))
        data = (
            src.read(
                bands,
                window=win,
                out_shape=(len(bands), out_h, out_w),
                resampling=Resampling.bilinear,
                masked=True,
            )
            .astype("float64")
            .filled(np.nan)
        )
        left, bottom, right, top = rasterio.windows.bounds(win, src.transform)
    outline = gpd.GeoSeries([geom], crs=crs)
    if reproject:
        outline = outline.to_crs(src_crs)
    if len(bands) >= 3:
        image = np.dstack([_stretch(b) for b in data[:3]])
        cmap = None
    else:
        image = _stretch(data[0])
        cmap = "gray"
    plt = _pyplot()
    font = _font()
    fig, ax = plt.subplots(figsize=(4.4, 4.4), dpi=100)
    try:
        ax.imshow(image, extent=(left, right, bottom, top), cmap=cmap, interpolation="nearest")
        _plot_geom(ax, outline.iloc[0], facecolor="none", edgecolor="#ffde00", linewidth=1.8)
        ax.set_xlim(left, right)
        ax.set_ylim(bottom, top)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontproperties=font, fontsize=10)
        fig.tight_layout()
        fig.savefig(out_path, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return True
