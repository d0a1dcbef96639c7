"""Redraw docs/img/dossier_photos.png and docs/img/review_record.png from the demo's outputs.

Runs the bundled Rongshui job (synthetic layers, synthetic evidence package)
with the review record and the dossiers as outputs; rasterises the dossier
page of patch 450225202010072 that holds its field photo, and prints the
review record with LibreOffice and rasterises its per-township page
(Debian packages libreoffice-calc-nogui and poppler-utils)::

    python docs/img/make_print_images.py
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from rsgeo.io.sample import sample_path
from rsgeo.job import load_job
from rsgeo.pipeline import run_job

ROOT = Path(__file__).resolve().parents[2]
PATCH = "450225202010072"


def _page_with(pdf: Path, words: str) -> int:
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    return next(i for i, text in enumerate(pages, start=1) if words in text)


def _raster(pdf: Path, page: int, work: Path, dpi: int) -> Image.Image:
    stem = work / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf), str(stem)],
        check=True,
    )
    image = Image.open(next(work.glob(f"page{page}*.png"))).convert("RGB")
    gray = image.convert("L").point(lambda v: 255 if v > 245 else 0)
    box = Image.eval(gray, lambda v: 255 - v).getbbox() or (0, 0, *image.size)
    pad = 12
    return image.crop(
        (
            max(box[0] - pad, 0),
            max(box[1] - pad, 0),
            min(box[2] + pad, image.width),
            min(box[3] + pad, image.height),
        )
    )


def main() -> None:
    job = load_job(sample_path("rongshui_2020.toml"))
    outputs = dict.fromkeys(job.outputs, False) | {"review": True, "dossiers": True}
    job = dataclasses.replace(job, outputs=outputs)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_job(job, work / "out", progress=False)
        dossier = work / "out" / "dossiers" / PATCH / "dossier.pdf"
        photos = _raster(dossier, _page_with(dossier, "六、现场照片及附件"), work, 110)
        photos.save(ROOT / "docs" / "img" / "dossier_photos.png", optimize=True)
        book = work / "record.xlsx"
        shutil.copy(work / "out" / "review" / "review_record.xlsx", book)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(book)],
            check=True,
            capture_output=True,
        )
        record = work / "record.pdf"
        towns = _raster(record, _page_with(record, "按乡镇统计"), work, 110)
        towns.save(ROOT / "docs" / "img" / "review_record.png", optimize=True)
    print(ROOT / "docs" / "img")


if __name__ == "__main__":
    main()
