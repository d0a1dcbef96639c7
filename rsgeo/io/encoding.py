"""Deciding the text encoding of a shapefile's DBF table.

Ministry deliveries and county layers are very often GBK-encoded shapefiles,
sometimes without a ``.cpg`` file and with a DBF "language driver" byte that
says nothing useful (``0x00``) or only "the system code page" (``0x57``,
which GDAL takes to mean ISO-8859-1 and turns Chinese into mojibake). rsgeo
therefore decides the encoding itself, in this order:

1. the ``encoding=`` argument;
2. the ``.cpg`` file (``UTF-8``, ``GBK``, ``936``, ``GB2312``, ...);
3. the DBF language driver byte (byte 29 of the header: ``0x4D`` and ``0x7A``
   are code page 936, i.e. GBK, ``0x4F``/``0x78`` Big5, ...);
4. detection from the raw bytes of the field names and text values: valid
   UTF-8 → ``utf-8``, else valid GB18030 (a superset of GBK and GB2312) →
   ``gb18030``, else an error asking for ``encoding=``.

A declared encoding (2 or 3) that cannot decode the bytes is not used: rsgeo
detects instead and says so in the read report, so text is never returned
as mojibake without a word.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np

__all__ = [
    "DbfText",
    "EncodingDecision",
    "cpg_encoding",
    "decide_dbf_encoding",
    "detect_encoding",
    "ldid_encoding",
    "normalize_encoding",
    "read_dbf_text",
]

# DBF language driver id -> Python codec (the code-page part of the table
# used by GDAL's shapelib and ESRI). 0x00 (none) and 0x57 ("ANSI", the
# writer's system code page) decide nothing and are left to detection.
_LDID: dict[int, str] = {
    0x01: "cp437",
    0x02: "cp850",
    0x03: "cp1252",
    0x04: "mac_roman",
    0x08: "cp865",
    0x0A: "cp850",
    0x0B: "cp437",
    0x13: "cp932",
    0x1F: "cp852",
    0x22: "cp852",
    0x23: "cp852",
    0x24: "cp860",
    0x26: "cp866",
    0x4D: "gb18030",  # code page 936, Chinese GBK (PRC)
    0x4E: "cp949",
    0x4F: "big5",  # code page 950
    0x50: "cp874",
    0x58: "cp1252",
    0x59: "cp1252",
    0x64: "cp852",
    0x65: "cp866",
    0x78: "big5",  # code page 950
    0x79: "cp949",
    0x7A: "gb18030",  # code page 936
    0x7B: "cp932",
    0x7C: "cp874",
    0xC8: "cp1250",
    0xC9: "cp1251",
    0xCA: "cp1254",
    0xCB: "cp1253",
    0xCC: "cp1257",
}
_LDID_UNDECIDED = {0x00, 0x57}

# names in .cpg files that mean the GBK family; GB18030 decodes all of them
_GB_NAMES = {"GBK", "GB2312", "936", "CP936", "GB18030", "EUC-CN", "ANSI936", "CHINESE"}
_UTF8_NAMES = {"UTF-8", "UTF8", "65001", "UTF_8"}
_UNDECIDED_CPG = {"", "SYSTEM", "ANSI", "OEM", "DEFAULT"}

_MAX_DBF_BYTES = 64 * 1024 * 1024  # records examined for detection


@dataclass(frozen=True)
class EncodingDecision:
    """The encoding to use and how it was decided."""

    encoding: str
    source: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class DbfText:
    """Raw text bytes of a DBF file: its language driver byte, field names
    and the character (``C``) columns of its records (one 2-D uint8 array
    per column, a row per record)."""

    ldid: int
    n_records: int
    names: list[bytes]
    columns: list[np.ndarray] = field(default_factory=list)
    truncated: bool = False

    def blobs(self) -> list[bytes]:
        """The field names, then each column's records, as byte strings."""
        return [b"\n".join(self.names), *(col.tobytes() for col in self.columns)]

    def values(self) -> tuple[list[bytes], list[bool]]:
        """Non-blank values without trailing blanks, and whether each one
        fills its field (and so may end in a character cut at the width)."""
        values: list[bytes] = list(self.names)
        full: list[bool] = [False] * len(self.names)
        for col in self.columns:
            width = col.shape[1]
            raw = col.tobytes()
            for i in range(col.shape[0]):
                value = raw[i * width : (i + 1) * width].rstrip(b" \x00")
                if value:
                    values.append(value)
                    full.append(len(value) == width)
        return values, full


def normalize_encoding(name: str) -> str:
    """The Python codec name for an encoding name (``'GBK'`` → ``'gb18030'``).

    GBK, GB2312 and code page 936 are read as GB18030, their superset.

    Raises
    ------
    LookupError
        When Python knows no such encoding.

    Examples
    --------
    >>> normalize_encoding("GBK"), normalize_encoding("UTF8"), normalize_encoding("cp1252")
    ('gb18030', 'utf-8', 'cp1252')
    """
    key = name.strip().upper().replace(" ", "")
    last: LookupError | None = None
    for candidate in _spellings(key):
        if candidate in _GB_NAMES:
            return "gb18030"
        if candidate in _UTF8_NAMES:
            return "utf-8"
        try:
            return codecs.lookup(candidate).name
        except LookupError as err:
            last = err
    raise LookupError(f"unknown encoding: {name}") from last


def _spellings(key: str) -> list[str]:
    """The ways a code page is written in .cpg files, most literal first.

    >>> _spellings("BIG-5"), _spellings("KOI8R")[-1], _spellings("ANSI1252")[-1]
    (['BIG-5', 'BIG5'], 'KOI8_R', 'cp1252')
    """
    out = [key]
    compact = re.sub(r"[-_]", "", key)
    if compact != key:
        out.append(compact)
    if key.startswith("8859") and key[4:].lstrip("_-").isdigit():  # ESRI: 88591, 8859_5
        out.append(f"iso8859-{key[4:].lstrip('_-')}")
    elif compact.isdigit():
        out.append(f"cp{compact}")
    page = re.fullmatch(r"(?:ANSI|CP|WINDOWS|WIN|MS)(\d+)", compact)
    if page:
        out.append(f"cp{page.group(1)}")
    split = re.fullmatch(r"([A-Z]+\d+)([A-Z]+)", compact)  # KOI8R -> KOI8_R
    if split:
        out.append(f"{split.group(1)}_{split.group(2)}")
    return out


def cpg_encoding(text: str) -> str | None:
    """The encoding a ``.cpg`` file names, or None when it names none usable.

    Examples
    --------
    >>> cpg_encoding("GBK\\n"), cpg_encoding("UTF-8"), cpg_encoding("936")
    ('gb18030', 'utf-8', 'gb18030')
    >>> cpg_encoding("SYSTEM") is None, cpg_encoding("no-such-codec") is None
    (True, True)
    """
    key = text.strip().strip("\ufeff").upper().replace(" ", "")
    if key in _UNDECIDED_CPG:
        return None
    try:
        return normalize_encoding(key)
    except LookupError:
        return None


def ldid_encoding(ldid: int) -> str | None:
    """The encoding of a DBF language driver id, None for 0x00/0x57/unknown.

    Examples
    --------
    >>> ldid_encoding(0x4D), ldid_encoding(0x57), ldid_encoding(0x00)
    ('gb18030', None, None)
    """
    if ldid in _LDID_UNDECIDED:
        return None
    return _LDID.get(ldid)


def read_dbf_text(stream: BinaryIO, *, max_bytes: int = _MAX_DBF_BYTES) -> DbfText:
    """Read the language driver byte and the raw character data of a DBF.

    Only field names and character (``C``) fields are returned, each value
    with its trailing blanks removed; at most ``max_bytes`` of records are
    read (``truncated`` says so).
    """
    header = stream.read(32)
    if len(header) < 32:
        raise ValueError("not a DBF file (header shorter than 32 bytes)")
    n_records, header_len, record_len = struct.unpack("<IHH", header[4:12])
    ldid = header[29]
    descriptors = stream.read(max(header_len - 32, 0))
    names: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset = 1  # deletion flag
    for start in range(0, len(descriptors) - 31, 32):
        desc = descriptors[start : start + 32]
        if desc[0] == 0x0D:
            break
        names.append(desc[:11].split(b"\x00", 1)[0])
        kind = desc[11:12].upper()
        # shapelib: numeric widths are one byte, other widths use two
        width = desc[16] if kind in (b"N", b"F") else desc[16] + 256 * desc[17]
        if kind == b"C":
            text_fields.append((offset, width))
        offset += width
    columns: list[np.ndarray] = []
    truncated = False
    if text_fields and record_len > 0:
        n_read = min(n_records, max(max_bytes // record_len, 1))
        truncated = n_read < n_records
        data = stream.read(n_read * record_len)
        n_full = len(data) // record_len
        records = np.frombuffer(data[: n_full * record_len], dtype=np.uint8)
        records = records.reshape(n_full, record_len)
        columns = [records[:, off : off + width] for off, width in text_fields]
    return DbfText(ldid, n_records, names, columns, truncated)


_CHUNK_ROWS = 256


def _column_decodes(col: np.ndarray, encoding: str) -> bool:
    """Whether every value of a fixed-width text column decodes.

    The rows are decoded together, a newline after each; at an error, the
    value is accepted only when it fills the field and the error is in its
    last 3 bytes (a character cut at the width), and decoding resumes at the
    next row. Rows go in chunks so that many cut values stay cheap.
    """
    n, width = col.shape
    stride = width + 1
    nl = np.full((n, 1), 0x0A, dtype=np.uint8)
    blob = memoryview(np.concatenate([col, nl], axis=1).tobytes())
    for first in range(0, n, _CHUNK_ROWS):
        last = min(first + _CHUNK_ROWS, n)
        pos, stop = first * stride, last * stride
        while pos < stop:
            try:
                str(blob[pos:stop], encoding)
                break
            except UnicodeDecodeError as err:
                at = pos + err.start
                row = at // stride
                start = row * stride
                value = bytes(blob[start : start + width]).rstrip(b" \x00")
                if len(value) < width or at < start + width - 3:
                    return False
                pos = start + stride
    return True


def _decodes(text: DbfText, encoding: str) -> bool:
    """Whether all the text decodes; a value filling its field may end in a
    character that the writer cut off at the field width."""
    try:
        for name in text.names:
            name.decode(encoding)
    except UnicodeDecodeError:
        return False
    return all(_column_decodes(col, encoding) for col in text.columns)


def detect_encoding(chunks: list[bytes]) -> str | None:
    """``'utf-8'`` or ``'gb18030'`` for raw text, None when neither decodes it.

    Pure ASCII is reported as ``'utf-8'``.

    Examples
    --------
    >>> detect_encoding(["融水镇".encode("gbk")])
    'gb18030'
    >>> detect_encoding(["融水镇".encode("utf-8"), b"ABC"])
    'utf-8'
    >>> detect_encoding([b"\\xff\\xff"]) is None
    True

    GBK bytes that are also valid UTF-8 (太 is GBK ``CC AB``, the UTF-8 of a
    combining mark) are recognised by what they would decode to:

    >>> detect_encoding(["太".encode("gbk")])
    'gb18030'

    """
    return _detect(DbfText(0, 0, list(chunks)))


# Characters of Chinese data: CJK ideographs, radicals, punctuation, full-width
# forms, general punctuation and symbols (℃, №, ×, ...).
_CJK_LIKE = re.compile("[\u2000-\u2bff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
# Latin-1 and Latin Extended letters, IPA, combining marks, Greek, Cyrillic,
# Hebrew, Arabic, ...: what GBK bytes turn into when they happen to form
# valid two-byte UTF-8 sequences (GBK 隆 = C2 A1 = UTF-8 "¡"). The symbols
# Chinese data do use (° ± × ÷ ² ³ ·) are not counted.
_UNLIKELY = re.compile("[\u0080-\u00af\u00b4-\u00b6\u00b8-\u00d6\u00d8-\u00f6\u00f8-\u07ff]")


def _plausible_utf8(text: DbfText) -> bool:
    """Whether valid-UTF-8 bytes decode to text that looks like real data,
    rather than GBK bytes that happen to be valid UTF-8 too (e.g. 太, GBK
    CC AB, is also the UTF-8 of a combining mark)."""
    decoded = "".join(b.decode("utf-8", errors="ignore") for b in text.blobs())
    n_unlikely = len(_UNLIKELY.findall(decoded))
    return n_unlikely == 0 or len(_CJK_LIKE.findall(decoded)) > n_unlikely


def _detect(text: DbfText) -> str | None:
    utf8 = _decodes(text, "utf-8")
    if utf8 and _plausible_utf8(text):
        return "utf-8"
    if _decodes(text, "gb18030"):
        return "gb18030"
    return "utf-8" if utf8 else None


_SINGLE_BYTE = re.compile(r"^(cp(437|8\d\d|12\d\d)|mac_roman|latin_1|iso8859_\d+)$")


def _reads_as_chinese_not(text: DbfText, encoding: str) -> bool:
    """Whether text declared in a single-byte code page is really GBK Chinese.

    A single-byte code page decodes almost any bytes, so a GBK file whose
    language byte says cp1252 "decodes" into accented Latin letters. The text
    is taken for Chinese when it decodes as GB18030 and nearly every non-ASCII
    character it gives is Chinese (real cp1252 text, "é" before a space or a
    digit, is seldom valid GB18030 at all).
    """
    if not _SINGLE_BYTE.match(codecs.lookup(encoding).name.replace("-", "_")):
        return False
    if not _non_ascii(text) or not _decodes(text, "gb18030"):
        return False
    decoded = "".join(b.decode("gb18030", errors="ignore") for b in text.blobs())
    wide = [c for c in decoded if ord(c) > 0x7F]
    return bool(wide) and len(_CJK_LIKE.findall("".join(wide))) >= 0.9 * len(wide)


def _non_ascii(text: DbfText) -> bool:
    return any(not blob.isascii() for blob in text.blobs())


def decide_dbf_encoding(
    dbf: BinaryIO | None,
    cpg_text: str | None,
    *,
    encoding: str | None = None,
    where: str = "the file",
) -> EncodingDecision:
    """Decide the encoding of a shapefile's attributes (see the module text).

    Parameters
    ----------
    dbf : binary file or None
        The open ``.dbf`` (None when the shapefile has no attribute table).
    cpg_text : str or None
        Contents of the ``.cpg`` file, None when there is none.
    encoding : str, optional
        Encoding given by the user; wins over everything.
    where : str
        The file name, for messages.

    Raises
    ------
    LookupError
        ``encoding`` is not an encoding Python knows.
    UnicodeError
        The text is neither UTF-8 nor GB18030 and nothing declares an
        encoding that decodes it.
    """
    if encoding is not None:
        return EncodingDecision(normalize_encoding(encoding), "argument encoding=")
    text = read_dbf_text(dbf) if dbf is not None else DbfText(0, 0, [])
    warnings: list[str] = []

    declared: list[tuple[str, str]] = []
    if cpg_text is not None:
        enc = cpg_encoding(cpg_text)
        if enc is not None:
            declared.append((enc, f".cpg file ({cpg_text.strip()})"))
        else:
            warnings.append(
                f"{where}: the .cpg file says {cpg_text.strip()!r}, which names no usable "
                "encoding; the encoding was detected from the data instead"
            )
    if dbf is not None:
        enc = ldid_encoding(text.ldid)
        if enc is not None:
            declared.append((enc, f"DBF language driver byte 0x{text.ldid:02X}"))

    for enc, source in declared:
        if _decodes(text, enc):
            if _reads_as_chinese_not(text, enc):
                if source.startswith("DBF"):  # a byte the writer's settings put there
                    warnings.append(
                        f"{where}: the {source} says {enc}, but the text reads as Chinese "
                        f"GBK/GB18030 (as {enc} it is garbled), so it was read as gb18030; "
                        f"if this is wrong, read it again with encoding={enc!r}"
                    )
                    return EncodingDecision(
                        "gb18030", f"detected (the {source} says {enc})", tuple(warnings)
                    )
                warnings.append(
                    f"{where}: the {source} says {enc}, but the text reads as Chinese "
                    f"GBK/GB18030; if it looks garbled, read it again with encoding='gb18030'"
                )
            if (
                enc != "utf-8"
                and _non_ascii(text)
                and _decodes(text, "utf-8")
                and _plausible_utf8(text)
            ):
                warnings.append(
                    f"{where}: {source} says {enc} but the text is also valid UTF-8; "
                    f"if the text looks garbled, read it again with encoding='utf-8'"
                )
            return EncodingDecision(enc, source, tuple(warnings))
        warnings.append(
            f"{where}: {source} says {enc}, but the text is not valid {enc}; "
            "the encoding was detected from the data instead"
        )

    detected = _detect(text)
    if detected is None:
        raise UnicodeError(
            f"{where}: the text is neither valid UTF-8 nor GBK/GB18030 and no .cpg file or "
            "DBF language driver byte declares an encoding that decodes it; pass "
            "encoding='...' (e.g. encoding='big5' or encoding='cp1252')"
        )
    if not _non_ascii(text):
        return EncodingDecision(detected, "detected (all text is ASCII)", tuple(warnings))
    if detected == "utf-8":
        label = "valid UTF-8"
    elif _decodes(text, "utf-8"):
        label = "valid GB18030/GBK; also valid UTF-8, but as UTF-8 it reads as unlikely characters"
        warnings.append(
            f"{where}: the text decodes both as GBK and as UTF-8; GBK was chosen because as "
            "UTF-8 it gives unlikely characters. If the text looks garbled, read it again "
            "with encoding='utf-8'"
        )
    else:
        label = "not UTF-8, valid GB18030/GBK"
    sample = "" if not text.truncated else " (first 64 MB of records)"
    return EncodingDecision(detected, f"detected ({label}){sample}", tuple(warnings))
