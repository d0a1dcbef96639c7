"""Where a layer's data is, and how its text is encoded.

:func:`locate` turns the path a user gives (a Shapefile, a zipped Shapefile
or FileGDB, a folder of Shapefiles, a GeoPackage, GeoJSON, a FileGDB folder
or GeoParquet) and an optional layer name into a :class:`Source`: what to
hand to pyogrio, and the sidecar files that decide a Shapefile's encoding
(:func:`decide_encoding`, with the check for a .shp cut short). Every
problem raises one rsgeo error naming the file and the fix.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio

from rsgeo.errors import DataFileError, InputError
from rsgeo.geo.repair import ReadReport
from rsgeo.io.encoding import decide_dbf_encoding
from rsgeo.io.geoparquet import is_geoparquet

__all__ = ["SUPPORTED_SUFFIXES", "Source", "decide_encoding", "locate", "shapes_cut_off"]

SUPPORTED_SUFFIXES = (".shp", ".zip", ".gpkg", ".geojson", ".json", ".gdb", ".parquet")
_SUPPORTED_TEXT = (
    ".shp (Shapefile), .zip (zipped Shapefile or FileGDB), .gpkg (GeoPackage), "
    ".geojson/.json (GeoJSON), .gdb (FileGDB folder), .parquet (GeoParquet file or folder "
    "of parts), or a folder of Shapefiles"
)


# --------------------------------------------------------------------------
# locating the data
# --------------------------------------------------------------------------
@dataclass
class Source:
    """What to hand to pyogrio, and the pieces needed to decide the encoding."""

    path: Path  # the user's path
    gdal_path: str  # path for pyogrio (may be /vsizip/...)
    layer: str | None  # layer name for pyogrio (None: the only one)
    kind: str  # "shp", "gpkg", "geojson", "gdb"
    shp_zip_member: str | None = None  # member name of the .shp in a zip
    where: str = ""

    def sidecar(self, suffix: str) -> bytes | None:
        """Bytes of a shapefile's sidecar file (.dbf, .cpg, .prj), None if absent."""
        if self.shp_zip_member is not None:
            stem = self.shp_zip_member[:-4]
            with zipfile.ZipFile(self.path) as zf:
                for name in zf.namelist():
                    if name[:-4] == stem and name[-4:].lower() == suffix:
                        return zf.read(name)
            return None
        shp = Path(self.gdal_path)
        for cand in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
            if cand.is_file():
                return cand.read_bytes()
        return None

    def sidecar_size(self, suffix: str) -> int | None:
        """Size in bytes of a shapefile's part (``.shp``, ...), None if absent."""
        if self.shp_zip_member is not None:
            stem = self.shp_zip_member[:-4]
            with zipfile.ZipFile(self.path) as zf:
                for info in zf.infolist():
                    if info.filename[:-4] == stem and info.filename[-4:].lower() == suffix:
                        return info.file_size
            return None
        shp = Path(self.gdal_path)
        for cand in (shp.with_suffix(suffix), shp.with_suffix(suffix.upper())):
            if cand.is_file():
                return cand.stat().st_size
        return None


def shapes_cut_off(shx: bytes | None, shp_size: int | None) -> tuple[int, int]:
    """(shapes whose record lies past the end of the .shp, shapes in the .shx).

    The .shx index gives each shape's offset and length (16-bit words, big
    endian, after a 100-byte header). A .shp cut short by a failed copy or
    download reads as empty geometries for every shape past its end.

    >>> import struct
    >>> shx = bytes(100) + struct.pack(">ii", 50, 10) + struct.pack(">ii", 64, 10)
    >>> shapes_cut_off(shx, 100 + 2 * (4 + 10) * 2), shapes_cut_off(shx, 130)
    ((0, 2), (1, 2))
    """
    if shx is None or shp_size is None or len(shx) < 100:
        return 0, 0
    records = np.frombuffer(shx, dtype=">i4", offset=100, count=(len(shx) - 100) // 8 * 2)
    offset_words, length_words = records[0::2].astype(np.int64), records[1::2].astype(np.int64)
    ends = (offset_words + 4 + length_words) * 2
    return int((ends > shp_size).sum()), len(ends)


def _nearby_files(path: Path) -> str:
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f" (the folder {parent} does not exist either)"
    found = sorted(p.name for p in parent.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES)
    if not found:
        return f" (no readable data files in {parent})"
    shown = ", ".join(found[:10]) + (", …" if len(found) > 10 else "")
    return f"; data files in {parent}: {shown}"


def _choose(names: list[str], layer: str | None, where: str, what: str = "layer") -> str:
    if layer is not None:
        if layer in names:
            return layer
        folded = [n for n in names if n.casefold() == layer.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise InputError(
            f"{where}: there is no {what} {layer!r}; {what}s present: "
            f"{', '.join(repr(n) for n in names) or 'none'}. Pass layer=... with one of them"
        )
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError(f"{where}: contains no {what} with geometry")
    raise InputError(
        f"{where}: holds {len(names)} {what}s ({', '.join(repr(n) for n in names)}); "
        f"pass layer=... to choose one, e.g. layer={names[0]!r}"
    )


def _list_spatial_layers(gdal_path: str, where: str) -> list[str]:
    try:
        layers = pyogrio.list_layers(gdal_path)
    except Exception as err:  # pyogrio/GDAL errors
        raise DataFileError(f"{where}: cannot be opened ({err})") from err
    return [str(name) for name, gtype in layers if gtype is not None]


def _zip_display_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author saw it. Zips made on Chinese Windows
    store names in GBK without saying so; Python (and GDAL) read them as
    code page 437, which is what GDAL needs, but not what users call them."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    try:
        return name.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


def _zip_source(path: Path, layer: str | None, where: str) -> Source:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.filename.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError) as err:
        raise DataFileError(f"{where}: not a readable zip file ({err})") from err
    names = [i.filename for i in infos]
    shps = [i for i in infos if i.filename.lower().endswith(".shp")]
    base = f"/vsizip/{path.resolve().as_posix()}"
    if shps:
        stems = [Path(_zip_display_name(i)).stem for i in shps]
        chosen = _choose(stems, layer, where)
        member = shps[stems.index(chosen)].filename
        shown = _zip_display_name(shps[stems.index(chosen)])
        return Source(path, f"{base}/{member}", None, "shp", member, f"{where} [{shown}]")
    gdbs = sorted({n[: n.lower().index(".gdb/") + 4] for n in names if ".gdb/" in n.lower()})
    if len(gdbs) == 1:
        gdal_path = f"{base}/{gdbs[0]}"
        chosen = _choose(_list_spatial_layers(gdal_path, where), layer, where)
        return Source(path, gdal_path, chosen, "gdb", None, where)
    shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    raise DataFileError(
        f"{where}: the zip holds no Shapefile (.shp) and no single FileGDB (.gdb) "
        f"(it holds: {shown or 'nothing'}); unzip it and read the data file inside"
    )


def _shp_source(shp: Path, layer: str | None, where: str) -> Source:
    _choose([shp.stem], layer, where)
    missing = [
        s
        for s in (".shx", ".dbf")
        if not (shp.with_suffix(s).is_file() or shp.with_suffix(s.upper()).is_file())
    ]
    if missing:
        raise DataFileError(
            f"{where}: the Shapefile is incomplete, {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing next to it; copy all the files "
            "of the Shapefile (.shp, .shx, .dbf, .prj, .cpg) into the same folder"
        )
    return Source(shp, str(shp), None, "shp", None, where)


def locate(path: str | os.PathLike[str], layer: str | None) -> Source:
    p = Path(path).expanduser()
    where = str(p)
    if not p.exists():
        raise DataFileError(f"{where}: file not found{_nearby_files(p)}")
    suffix = p.suffix.lower()
    if is_geoparquet(p):  # a .parquet file or a folder of parts (rsgeo.io.geoparquet)
        return Source(p, str(p), None, "parquet", None, where)
    if p.is_dir():
        if suffix == ".gdb":
            chosen = _choose(_list_spatial_layers(str(p), where), layer, where)
            return Source(p, str(p), chosen, "gdb", None, where)
        shps = sorted(q for q in p.iterdir() if q.suffix.lower() == ".shp")
        if not shps:
            raise DataFileError(
                f"{where}: is a folder without Shapefiles and not a FileGDB (.gdb); "
                f"rsgeo reads {_SUPPORTED_TEXT}"
            )
        chosen = _choose([q.stem for q in shps], layer, where)
        shp = shps[[q.stem for q in shps].index(chosen)]
        return _shp_source(shp, None, str(shp))
    if suffix == ".shp":
        return _shp_source(p, layer, where)
    if suffix == ".zip":
        return _zip_source(p, layer, where)
    if suffix in (".gpkg", ".geojson", ".json"):
        kind = "gpkg" if suffix == ".gpkg" else "geojson"
        chosen = _choose(_list_spatial_layers(str(p), where), layer, where)
        return Source(p, str(p), chosen, kind, None, where)
    raise DataFileError(
        f"{where}: unsupported format {suffix or '(no suffix)'!r}; rsgeo reads {_SUPPORTED_TEXT}"
    )


def _check_shapefile_length(src: Source, report: ReadReport) -> None:
    cut, total = shapes_cut_off(src.sidecar(".shx"), src.sidecar_size(".shp"))
    report.shapes_cut_off = cut
    if cut:
        report.warnings.append(
            f"{src.where}: the .shp file is shorter than its index (.shx) says: {cut} of "
            f"{total} shapes lie past its end and read as empty geometries (a copy or "
            "download cut short?); fetch the delivery again"
        )


def decide_encoding(src: Source, encoding: str | None, report: ReadReport) -> str | None:
    if src.kind == "shp":
        _check_shapefile_length(src, report)
    if src.kind != "shp":
        if encoding is not None:
            report.warnings.append(
                f"encoding={encoding!r} ignored: {report.driver} stores text as Unicode"
            )
        report.encoding_source = "format (Unicode)"
        return None
    dbf = src.sidecar(".dbf")
    cpg = src.sidecar(".cpg")
    cpg_text = None if cpg is None else cpg.decode("ascii", errors="replace")
    try:
        decision = decide_dbf_encoding(
            None if dbf is None else io.BytesIO(dbf), cpg_text, encoding=encoding, where=src.where
        )
    except LookupError as err:
        raise InputError(
            f"{src.where}: encoding={encoding!r} is not an encoding Python knows; "
            "use e.g. 'gbk', 'gb18030' or 'utf-8'"
        ) from err
    except UnicodeError as err:
        raise InputError(str(err)) from err
    except ValueError as err:
        raise DataFileError(f"{src.where}: the .dbf file cannot be read ({err})") from err
    report.encoding = decision.encoding
    report.encoding_source = decision.source
    report.warnings.extend(decision.warnings)
    return decision.encoding
