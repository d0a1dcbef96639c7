"""Redraw docs/img/workbook.png: the first printed page of the demo's workbook (乡镇汇总).

Runs the bundled Rongshui job (synthetic layers) with only the workbook as
output, prints it with LibreOffice and rasterises the first page with
pdftoppm (Debian packages libreoffice-calc-nogui and poppler-utils)::

    python docs/img/make_workbook_image.py
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
from rsgeo.pipeline import WORKBOOK_NAME, run_job

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    job = load_job(sample_path("rongshui_2020.toml"))
    outputs = dict.fromkeys(job.outputs, False) | {"workbook": True}
    job = dataclasses.replace(job, outputs=outputs)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_job(job, work / "out", progress=False)
        book = work / "report.xlsx"
        shutil.copy(work / "out" / WORKBOOK_NAME, book)
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(book)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "150",
                "-f",
                "1",
                "-l",
                "1",
                str(work / "report.pdf"),
                str(work / "page"),
            ],
            check=True,
        )
        page = Image.open(next(work.glob("page*.png"))).convert("RGB")
        # keep the printed table, drop the empty lower part of the page
        gray = page.convert("L").point(lambda v: 255 if v > 245 else 0)
        box = Image.eval(gray, lambda v: 255 - v).getbbox() or (0, 0, *page.size)
        pad = 12
        crop = page.crop(
            (
                max(box[0] - pad, 0),
                max(box[1] - pad, 0),
                min(box[2] + pad, page.width),
                min(box[3] + pad, page.height),
            )
        )
        # the first page: the title rows and the first block of columns (the sheet
        # prints its 35 columns in blocks, code and name repeated), the total row,
        # the notes and the signature line
        out = ROOT / "docs" / "img" / "workbook.png"
        crop.save(out, optimize=True)
    print(out)


if __name__ == "__main__":
    main()
