"""Real office tools for the print tests: LibreOffice (documents to PDF) and poppler.

``.ci/install_office.sh`` installs them (Debian packages). Without them a
test skips and says why; under CI (``CI=true``) it fails instead, so CI
never skips a print test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(tool: str, package: str) -> str:
    """The path of ``tool``; skips (fails under CI) when it is not installed."""
    path = shutil.which(tool)
    if path is None:
        why = f"{tool} is not installed ({package}; bash .ci/install_office.sh)"
        if IN_CI:
            pytest.fail(f"{why}: CI must run this test")
        pytest.skip(why)
    return path


def to_pdf(document: Path, out_dir: Path, *, timeout_s: float = 180.0) -> Path:
    """``document`` (xlsx, docx, …) printed to PDF by headless LibreOffice, as a user prints it.

    Each call uses a fresh LibreOffice profile, so runs never share state.
    """
    soffice = need("soffice", "LibreOffice")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rsgeo-lo-") as profile:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(document),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    pdf = out_dir / (document.stem + ".pdf")
    if result.returncode != 0 or not pdf.exists():
        raise AssertionError(
            f"LibreOffice could not print {document.name}: {result.stdout}{result.stderr}"
        )
    return pdf


def browser_pdf(page: Path, pdf: Path) -> Path:
    """``page`` printed to PDF by headless Chromium, as a browser prints it."""
    browser = need("chromium", "Chromium")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert pdf.is_file(), "Chromium printed nothing"
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext -layout), page by page."""
    pdftotext = need("pdftotext", "poppler-utils")
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_sizes_pt(pdf: Path) -> list[tuple[float, float]]:
    """Width and height of each page in points (pdfinfo)."""
    pdfinfo = need("pdfinfo", "poppler-utils")
    out = subprocess.run(
        [pdfinfo, "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    sizes = []
    for line in out.splitlines():
        if line.startswith("Page") and "size:" in line:
            parts = line.split("size:")[1].split()
            sizes.append((float(parts[0]), float(parts[2])))
    return sizes


def pdf_font_sizes_pt(pdf: Path) -> list[float]:
    """The font size of every text run of the PDF (pdftotext -bbox-layout: line heights)."""
    pdftotext = need("pdftotext", "poppler-utils")
    xhtml = subprocess.run(
        [pdftotext, "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    import re

    sizes = []
    for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xhtml
    ):
        sizes.append(float(m.group(3)) - float(m.group(2)))
    return sizes
