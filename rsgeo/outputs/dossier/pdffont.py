"""The dossiers' CJK font, parsed once per process and subset for each document.

:class:`PdfFont` reads a TrueType font's tables once (0.1 s for the 50,000
glyphs of WenQuanYi Micro Hei) and writes, for each PDF, a compact TrueType
font of the glyphs it prints (``glyf``/``loca``/``hmtx``, glyphs renumbered,
composite glyphs with their parts, hinting instructions left out). The
glyphs every dossier prints (labels and digits) are prepared and compressed
once (:meth:`PdfFont.common`); a document adds its own.
"""

from __future__ import annotations

import functools
import itertools
import struct
import zlib
from dataclasses import dataclass

from rsgeo.outputs.dossier.deflate import DEFLATE_LEVEL, TAIL_DEFLATE_LEVEL, compressobj
from rsgeo.outputs.dossier.fonts import CJKFont

__all__ = ["PdfFont", "pdf_font"]


class PdfFont:
    """A TrueType font parsed once; :meth:`subset` writes the glyphs of one document."""

    def __init__(self, font: CJKFont) -> None:
        from fontTools.ttLib import TTFont

        tt = TTFont(str(font.path), fontNumber=font.index, lazy=True)
        reader = tt.reader
        self.path = font.path
        self.upem = int(tt["head"].unitsPerEm)
        head = tt["head"]
        self.bbox = (head.xMin, head.yMin, head.xMax, head.yMax)
        hhea = tt["hhea"]
        self.ascent, self.descent = int(hhea.ascent), int(hhea.descent)
        self.cmap: dict[int, int] = {}
        order = {name: i for i, name in enumerate(tt.getGlyphOrder())}
        for cp, name in (tt.getBestCmap() or {}).items():
            self.cmap[cp] = order[name]
        self.n_glyphs = int(tt["maxp"].numGlyphs)
        raw_hmtx = reader["hmtx"]
        n_metrics = int(hhea.numberOfHMetrics)
        self.advance = [0] * self.n_glyphs
        self.lsb = [0] * self.n_glyphs
        last = 0
        for i in range(self.n_glyphs):
            if i < n_metrics:
                last, lsb = struct.unpack_from(">Hh", raw_hmtx, 4 * i)
            else:
                (lsb,) = struct.unpack_from(">h", raw_hmtx, 4 * n_metrics + 2 * (i - n_metrics))
            self.advance[i], self.lsb[i] = last, lsb
        loca = reader["loca"]
        long = head.indexToLocFormat == 1
        count = self.n_glyphs + 1
        if long:
            self.offsets = list(struct.unpack_from(f">{count}I", loca))
        else:
            self.offsets = [2 * v for v in struct.unpack_from(f">{count}H", loca)]
        self.glyf = bytes(reader["glyf"])
        self.head = bytes(reader["head"])
        self.hhea = bytes(reader["hhea"])
        self.maxp = bytes(reader["maxp"])
        self.widths: dict[str, float] = {}
        self._glyphs: dict[int, tuple[bytes, list[tuple[int, int]]]] = {}
        self._padded: dict[int, bytes] = {}
        self._hmtx: dict[int, bytes] = {}
        self._common: dict[frozenset[int], _Common] = {}
        tt.close()

    def width(self, ch: str) -> float:
        """Advance width of ``ch`` in thousandths of the font size."""
        w = self.widths.get(ch)
        if w is None:
            gid = self.cmap.get(ord(ch), 0)
            w = self.widths[ch] = self.advance[gid] * 1000.0 / self.upem
        return w

    def covers(self, text: set[str]) -> bool:
        """Whether every character of ``text`` has a glyph (line breaks aside)."""
        return all(ord(c) in self.cmap for c in text if c not in "\n\r\t")

    def _glyph(self, gid: int) -> tuple[bytes, list[tuple[int, int]]]:
        """A glyph's data without its hinting instructions and, for a composite glyph,
        (offset of the glyph-index field, part).

        The instructions call functions of the font's ``fpgm``/``prep`` programs,
        which the embedded fonts leave out (PDF viewers draw the outlines unhinted).
        """
        found = self._glyphs.get(gid)
        if found is not None:
            return found
        start, end = self.offsets[gid], self.offsets[gid + 1]
        data = self.glyf[start:end]
        parts: list[tuple[int, int]] = []
        if len(data) < 10:
            pass
        elif (contours := struct.unpack_from(">h", data, 0)[0]) >= 0:
            at = 10 + 2 * contours  # after endPtsOfContours: instructionLength, instructions
            (n_instr,) = struct.unpack_from(">H", data, at)
            if n_instr:
                data = data[:at] + b"\0\0" + data[at + 2 + n_instr :]
        else:
            pos = 10
            while True:
                flags_at = pos
                flags, comp = struct.unpack_from(">HH", data, pos)
                parts.append((pos + 2, comp))
                pos += 4 + (4 if flags & 0x0001 else 2)
                if flags & 0x0008:
                    pos += 2
                elif flags & 0x0040:
                    pos += 4
                elif flags & 0x0080:
                    pos += 8
                if not flags & 0x0020:
                    break
            if flags & 0x0100:  # WE_HAVE_INSTRUCTIONS: cleared, the instructions cut off
                glyph = bytearray(data[:pos])
                struct.pack_into(">H", glyph, flags_at, flags & ~0x0100)
                data = bytes(glyph)
        self._glyphs[gid] = (data, parts)
        return data, parts

    def _entry(self, gid: int) -> tuple[bytes, bytes]:
        """A simple glyph's data padded to four bytes and its ``hmtx`` entry (kept)."""
        data = self._padded.get(gid)
        if data is None:
            data = self._glyph(gid)[0]
            data = self._padded[gid] = data + b"\0" * (-len(data) % 4)
            self._hmtx[gid] = struct.pack(">Hh", self.advance[gid], self.lsb[gid])
        return data, self._hmtx[gid]

    def _closure(self, gids: set[int]) -> set[int]:
        """``gids`` with the parts of their composite glyphs (and the parts' parts)."""
        keep = {g for g in gids if 0 <= g < self.n_glyphs}
        todo = [g for g in keep if self._glyph(g)[1]]
        while todo:
            for _, part in self._glyph(todo.pop())[1]:
                if part not in keep and 0 <= part < self.n_glyphs:
                    keep.add(part)
                    todo.append(part)
        return keep

    def _glyf_part(self, order: list[int], new: dict[int, int]) -> tuple[bytes, list[int], bytes]:
        """The ``glyf`` bytes of ``order`` (renumbered by ``new``), their lengths, their ``hmtx``."""
        glyphs: list[bytes] = []
        metrics: list[bytes] = []
        for g in order:
            data, metric = self._entry(g)
            parts = self._glyph(g)[1]
            if parts:
                glyph = bytearray(data)
                for at, comp in parts:
                    struct.pack_into(">H", glyph, at, new.get(comp, 0))
                data = bytes(glyph)
            glyphs.append(data)
            metrics.append(metric)
        return b"".join(glyphs), [len(g) for g in glyphs], b"".join(metrics)

    def common(self, gids: frozenset[int]) -> _Common:
        """The glyphs every dossier of a kind prints (its labels), prepared and compressed once.

        They come first in each PDF's font (after ``.notdef``), so their data,
        compressed once, is copied into each font stream as it is.
        """
        found = self._common.get(gids)
        if found is None:
            order = sorted(self._closure(set(gids) | {0}))
            new = {g: i for i, g in enumerate(order)}
            glyf, lengths, hmtx = self._glyf_part(order, new)
            packer = compressobj(9, -15)
            deflated = packer.compress(glyf) + packer.flush(zlib.Z_SYNC_FLUSH)
            found = _Common(
                order, frozenset(order), new, glyf, lengths, hmtx, deflated, _word_sum(glyf)
            )
            if len(self._common) > 64:
                self._common.clear()
            self._common[gids] = found
        return found

    def font_file(
        self, gids: set[int], common: frozenset[int] = frozenset()
    ) -> tuple[bytes, int, int, dict[int, int]]:
        """A TrueType font of ``gids`` (with .notdef and composite parts), glyphs renumbered,
        as a zlib stream.

        The glyphs of ``common`` (:meth:`common`) come first, their data
        compressed once; the others are compressed here. Returns the
        compressed font, its length and CRC-32 uncompressed, and the map old
        glyph id → new glyph id.
        """
        base = self.common(common)
        rest = sorted(self._closure(set(gids) - base.kept) - base.kept)
        new = dict(base.new)
        for g in rest:
            new[g] = len(new)
        glyf, lengths, hmtx = self._glyf_part(rest, new)
        n = len(new)
        ends = list(itertools.accumulate(itertools.chain(base.lengths, lengths)))
        short = not ends or ends[-1] < 0x20000  # every glyph is padded to 4 bytes: even offsets
        if short:  # half the bytes: offsets / 2 in 16 bits
            loca = struct.pack(f">{n + 1}H", 0, *(e >> 1 for e in ends))
        else:
            loca = struct.pack(f">{n + 1}I", 0, *ends)
        head = bytearray(self.head)
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
        struct.pack_into(">h", head, 50, 0 if short else 1)  # short or long loca offsets
        hhea = bytearray(self.hhea)
        struct.pack_into(">H", hhea, 34, n)
        maxp = bytearray(self.maxp)
        struct.pack_into(">H", maxp, 4, n)
        tables = {
            b"head": bytes(head),
            b"hhea": bytes(hhea),
            b"hmtx": base.hmtx + hmtx,
            b"loca": loca,
            b"maxp": bytes(maxp),
        }
        glyf_len = len(base.glyf) + len(glyf)
        sums = {tag: _word_sum(data) for tag, data in tables.items()}
        sums[b"glyf"] = (base.glyf_sum + _word_sum(glyf)) & 0xFFFFFFFF
        lengths_of = {tag: len(data) for tag, data in tables.items()}
        lengths_of[b"glyf"] = glyf_len
        directory = _directory(lengths_of, sums)
        adjust = (0xB1B0AFBA - _word_sum(directory) - sum(sums.values())) & 0xFFFFFFFF
        struct.pack_into(">I", head, 8, adjust)
        tables[b"head"] = bytes(head)
        # the file: directory, glyf (the common glyphs, then the others), the other tables
        tail = glyf + b"".join(
            tables[tag] + b"\0" * (-len(tables[tag]) % 4) for tag in sorted(tables)
        )
        packer = compressobj(DEFLATE_LEVEL, -15)
        deflated = packer.compress(directory) + packer.flush(zlib.Z_SYNC_FLUSH) + base.deflated
        packer = compressobj(TAIL_DEFLATE_LEVEL, -15)
        deflated += packer.compress(tail) + packer.flush()
        adler = zlib.adler32(tail, zlib.adler32(base.glyf, zlib.adler32(directory)))
        crc = zlib.crc32(tail, zlib.crc32(base.glyf, zlib.crc32(directory)))
        stream = b"\x78\x01" + deflated + struct.pack(">I", adler)
        return stream, len(directory) + len(base.glyf) + len(tail), crc, new

    def subset(self, gids: set[int]) -> tuple[bytes, dict[int, int]]:
        """A TrueType font of ``gids`` (with .notdef and composite parts), glyphs renumbered.

        Returns the font file and the map old glyph id → new glyph id.
        """
        stream, _, _, new = self.font_file(gids)
        return zlib.decompress(stream), new


@dataclass(frozen=True)
class _Common:
    """Glyphs prepared once: their order (old ids), new ids, data, lengths, metrics, compressed."""

    order: list[int]
    kept: frozenset[int]
    new: dict[int, int]
    glyf: bytes
    lengths: list[int]
    hmtx: bytes
    deflated: bytes
    glyf_sum: int


def _word_sum(data: bytes) -> int:
    """The TrueType checksum of ``data``: its big-endian 32-bit words added, modulo 2**32."""
    import numpy as np

    if len(data) % 4:
        data = data + b"\0" * (4 - len(data) % 4)
    return int(np.frombuffer(data, dtype=">u4").sum(dtype=np.uint64)) & 0xFFFFFFFF


def _directory(lengths: dict[bytes, int], sums: dict[bytes, int]) -> bytes:
    """The sfnt header and table directory; the tables follow in tag order, ``glyf`` first."""
    tags = sorted(lengths)
    n = len(tags)
    entry = 1 << (n.bit_length() - 1)
    header = struct.pack(
        ">IHHHH", 0x00010000, n, entry * 16, entry.bit_length() - 1, 16 * (n - entry)
    )
    offset = 12 + 16 * n
    directory = bytearray(header)
    for tag in tags:
        directory += struct.pack(">4sIII", tag, sums[tag], offset, lengths[tag])
        offset += lengths[tag] + (-lengths[tag] % 4)
    return bytes(directory)


@functools.lru_cache(maxsize=4)
def pdf_font(font: CJKFont) -> PdfFont:
    """The parsed font, once per process and font file."""
    return PdfFont(font)
