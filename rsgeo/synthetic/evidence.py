"""A tiny synthetic 国土调查云 evidence package (SQLite, table FJ) for the sample.

Not field photos: small JPEG pictures drawn from a seed (sky, ground and the
words SYNTHETIC SAMPLE PHOTO), with the metadata a crew's phone records —
time, azimuth, photographer, position, check code — for the patches that have
imagery chips. Two photos carry the patch id, two only a position inside the
patch; one more was taken away from every patch and one holds a cut picture,
so the dossiers show how such photos are reported.

``python -m rsgeo.synthetic.evidence --out data`` writes
``data/evidence/举证包.db``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sqlite3
from pathlib import Path

import numpy as np

__all__ = ["PACKAGE", "write_evidence"]

PACKAGE = "evidence/举证包.db"
"""The package's path inside the sample."""

_PHOTOGRAPHERS = ("韦某某", "梁某某")


def _picture(rng: np.random.Generator, size: tuple[int, int] = (320, 240)) -> bytes:
    from PIL import Image, ImageDraw

    w, h = size
    horizon = int(h * rng.uniform(0.35, 0.55))
    img = np.zeros((h, w, 3), dtype=np.float64)
    img[:horizon] = [150, 190, 230]
    img[horizon:] = rng.choice([[120, 100, 70], [90, 130, 70], [160, 150, 140]])
    img += rng.normal(0, 10, img.shape)
    pic = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    ImageDraw.Draw(pic).text((8, h - 18), "SYNTHETIC SAMPLE PHOTO", fill=(255, 255, 255))
    buf = io.BytesIO()
    pic.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def write_evidence(out: Path, *, seed: int = 2020) -> Path:
    """Write the sample's evidence package under ``out`` (the sample root); returns its path."""
    import pandas as pd

    from rsgeo.io.sample import load_sample, sample_manifest

    rng = np.random.default_rng(seed)
    chips = sample_manifest()["files"]["imagery"]
    ids = sorted({Path(c).name.split("_")[0] for c in chips})
    sample = load_sample(layers=[], determinations=False)
    lonlat = pd.concat([frame.to_crs("EPSG:4490") for frame in sample.patches.values()])
    lonlat.index = lonlat.index.astype(str)
    rows = []
    for n, pid in enumerate(ids[:4]):
        point = lonlat.loc[[pid]].geometry.iloc[-1].representative_point()
        by_id = n % 2 == 0
        rows.append(
            {
                "BSM": f"FJ{n + 1:03d}",
                "JCBH": pid if by_id else "",
                "FJMC": f"{pid} 现场照片" if by_id else f"现场照片 {n + 1}",
                "FJ": _picture(rng),
                "PSSJ": f"2020-{10 + n % 2:02d}-{5 + 3 * n:02d} {9 + n}:{15 + 7 * n:02d}:00",
                "PSJD": float(rng.integers(0, 360)),
                "PSRY": _PHOTOGRAPHERS[n % 2],
                "Longitude": round(point.x, 7),
                "Latitude": round(point.y, 7),
            }
        )
    # one photo taken away from every patch (40 km from the first), one with a cut picture
    first = rows[0]
    rows.append(
        {
            **first,
            "BSM": "FJ005",
            "JCBH": "",
            "FJMC": "现场照片 5",
            "FJ": _picture(rng),
            "Longitude": round(float(first["Longitude"]) + 0.4, 7),  # type: ignore[arg-type]
        }
    )
    rows.append({**rows[1], "BSM": "FJ006", "FJMC": "现场照片 6", "FJ": _picture(rng)[:400]})
    for r in rows:
        r["JYM"] = hashlib.sha256(r["FJ"]).hexdigest()[:16]  # type: ignore[arg-type]
    path = out / PACKAGE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.execute(
            "CREATE TABLE FJ (BSM TEXT PRIMARY KEY, JCBH TEXT, FJMC TEXT, FJ BLOB, PSSJ TEXT, "
            "PSJD REAL, PSRY TEXT, Longitude REAL, Latitude REAL, JYM TEXT)"
        )
        cols = ("BSM", "JCBH", "FJMC", "FJ", "PSSJ", "PSJD", "PSRY", "Longitude", "Latitude", "JYM")
        con.executemany(
            f"INSERT INTO FJ VALUES ({','.join('?' * len(cols))})",
            [[r[c] for c in cols] for r in rows],
        )
        con.commit()
    finally:
        con.close()
    return path


def main() -> None:  # pragma: no cover - a command
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args()
    print(write_evidence(args.out, seed=args.seed))


if __name__ == "__main__":  # pragma: no cover
    main()
