"""Finding a font with Chinese glyphs for PDF pages and map figures.

Looked up in this order:

1. the environment variable ``RSGEO_CJK_FONT`` (a .ttf/.otf/.ttc path);
2. the font shipped by the PyPI package ``paperang-p2-fonts-cjk``
   (WenQuanYi Micro Hei, installed by ``pip install "rsgeo[dossier]"``);
3. fonts known to matplotlib/the system whose name says they cover Chinese
   (Noto Sans CJK, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, …).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from rsgeo.errors import DataFileError

__all__ = ["CJKFont", "find_cjk_font"]

_KNOWN = (
    "notosanscjk",
    "notoserifcjk",
    "sourcehansans",
    "sourcehanserif",
    "wqy-microhei",
    "wqy-zenhei",
    "simhei",
    "simsun",
    "msyh",
    "droidsansfallback",
)


@dataclass(frozen=True)
class CJKFont:
    """A font file with Chinese glyphs; ``index`` is the face in a .ttc collection."""

    path: Path
    index: int = 0


def _from_package() -> Path | None:
    try:
        import paperang_p2_fonts_cjk  # type: ignore[import-not-found]
    except ImportError:
        return None
    base = Path(paperang_p2_fonts_cjk.__file__).resolve().parent
    for candidate in sorted(base.rglob("*")):
        if candidate.suffix.lower() in {".ttf", ".ttc", ".otf"}:
            return candidate
    return None


def _from_system() -> Path | None:
    roots = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts"]
    windir = os.environ.get("WINDIR")
    if windir:
        roots.append(Path(windir) / "Fonts")
    roots.append(Path("/System/Library/Fonts"))
    roots.append(Path("/Library/Fonts"))
    for root in roots:
        if not root.is_dir():
            continue
        for candidate in sorted(root.rglob("*")):
            name = candidate.name.lower().replace(" ", "").replace("_", "")
            if candidate.suffix.lower() in {".ttf", ".ttc", ".otf"} and any(
                k in name for k in _KNOWN
            ):
                return candidate
    return None


@functools.cache
def find_cjk_font() -> CJKFont:
    """The font used for Chinese text in dossiers.

    Raises
    ------
    DataFileError
        No font with Chinese glyphs was found; the message says how to get one.
    """
    env = os.environ.get("RSGEO_CJK_FONT", "").strip()
    if env:
        path = Path(env)
        if not path.is_file():
            raise DataFileError(f"RSGEO_CJK_FONT={env!r} is not a font file")
        return CJKFont(path)
    for finder in (_from_package, _from_system):
        found = finder()
        if found is not None:
            return CJKFont(found)
    raise DataFileError(
        "no font with Chinese glyphs found for the dossier PDF and maps; "
        'install one with pip install "rsgeo[dossier]" (it brings paperang-p2-fonts-cjk) '
        "or set RSGEO_CJK_FONT to a .ttf/.ttc/.otf file"
    )
