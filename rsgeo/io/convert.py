"""Convert a layer file to spatially sorted, partitioned GeoParquet (``rsgeo convert``).

The source is read as it is stored: its own field names and geometry (the
repair happens when rsgeo reads the GeoParquet, as for any input), text
decoded as :func:`rsgeo.io.reading.read_layer` decodes it (a Shapefile's
DBF by its ``.cpg``, language driver byte or detection). Large layers are
read in blocks, with a line of progress after each block and each part
file written. Every geometry is checked once while it is written, and the
result recorded in the part's metadata
(:func:`rsgeo.io.geoparquet_write.write_geoparquet`): a layer found valid is not
checked again feature by feature when rsgeo reads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from rsgeo.errors import DataFileError, InputError, OutputExistsError
from rsgeo.geo.repair import ReadReport
from rsgeo.io.geoparquet import is_geoparquet, read_geoparquet
from rsgeo.io.geoparquet_write import GeoParquetWritten, write_geoparquet
from rsgeo.io.sources import decide_encoding, locate  # the readers' own rules
from rsgeo.options import PARQUET_COMPRESSIONS, ROW_GROUP_ROWS, ROWS_PER_PART

__all__ = ["READ_BLOCK", "convert_to_geoparquet"]

READ_BLOCK = 500_000
"""Features read from the source at a time (one progress line each)."""


def convert_to_geoparquet(
    src: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    layer: str | None = None,
    encoding: str | None = None,
    rows_per_part: int = ROWS_PER_PART,
    row_group_rows: int = ROW_GROUP_ROWS,
    overwrite: bool = False,
    compression: str = PARQUET_COMPRESSIONS[0],
    progress: Callable[[str], None] | None = None,
) -> GeoParquetWritten:
    """Write the layer ``src`` as a GeoParquet dataset folder ``dest``.

    Parameters
    ----------
    src : path
        Any layer :func:`rsgeo.io.reading.read_layer` reads (Shapefile, zip,
        GeoPackage, GeoJSON, FileGDB, GeoParquet).
    dest : path
        The dataset folder (``NAME.parquet``), written atomically.
    layer, encoding
        As for :func:`rsgeo.io.reading.read_layer`.
    rows_per_part, row_group_rows, overwrite, compression
        As for :func:`rsgeo.io.geoparquet_write.write_geoparquet` (``"lz4"``: files
        about a quarter larger, read about a quarter faster; docs/geoparquet.md).
    progress : callable, optional
        Called with one line after each block read and each part written.

    Returns
    -------
    GeoParquetWritten
    """
    say = progress or (lambda _line: None)
    if Path(dest).resolve() == Path(src).resolve():
        raise InputError(f"{dest}: the destination is the source")
    if Path(dest).exists() and not overwrite:
        raise OutputExistsError(f"{dest} exists; pass overwrite=True to replace it")
    if is_geoparquet(src):
        gdf = read_geoparquet(src)
        say(f"{src}: {len(gdf):,} features read")
    else:
        source = locate(src, layer)
        report = ReadReport(path=str(source.path), layer=source.layer, driver=source.kind)
        enc = decide_encoding(source, encoding, report)
        try:
            info = pyogrio.read_info(source.gdal_path, layer=source.layer, encoding=enc)
            total = int(info.get("features") or 0)
            blocks: list[gpd.GeoDataFrame] = []
            start = 0
            while True:
                block = pyogrio.read_dataframe(
                    source.gdal_path,
                    layer=source.layer,
                    encoding=enc,
                    skip_features=start,
                    max_features=READ_BLOCK,
                )
                if len(block) == 0 and blocks:
                    break
                blocks.append(block)
                start += len(block)
                say(f"{source.where}: {start:,} of {total:,} features read")
                if len(block) < READ_BLOCK or start >= total:
                    break
        except Exception as err:  # pyogrio/GDAL errors carry no rsgeo type
            raise DataFileError(
                f"{source.where}: cannot be read ({type(err).__name__}: {err})"
            ) from err
        gdf = blocks[0] if len(blocks) == 1 else pd.concat(blocks, ignore_index=True)
    return write_geoparquet(
        gdf,
        dest,
        rows_per_part=rows_per_part,
        row_group_rows=row_group_rows,
        overwrite=overwrite,
        compression=compression,
        progress=progress,
    )
