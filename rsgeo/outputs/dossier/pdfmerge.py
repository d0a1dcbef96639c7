"""Joining dossier PDFs into one file without parsing their content.

The dossiers' PDFs have a plain structure (one cross-reference table, one
flat page tree, no object streams), whether written by
:mod:`rsgeo.outputs.dossier.pdfwriter` or by fpdf2. :func:`join_pdfs` copies
every object of each part as bytes, renumbered, hangs the parts' pages on
one page tree and adds a bookmark per part: no stream is decoded or
compressed again. A part it cannot read that way makes it return False, and
the caller joins the files with pypdf instead.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

__all__ = ["join_pdfs"]

_REF = re.compile(rb"(?<!\d)(\d+) 0 R\b")  # whole numbers only: a digit run is tried once
_OBJ = re.compile(rb"(\d+) 0 obj\s*")


class _Unreadable(Exception):
    pass


def _objects(data: bytes) -> tuple[dict[int, bytes], int, int | None]:
    """The objects of a PDF by number (bodies, no ``obj``/``endobj``), its root and info."""
    at = data.rfind(b"startxref")
    if at < 0:
        raise _Unreadable
    xref = int(data[at + 9 :].split()[0])
    if data[xref : xref + 4] != b"xref":
        raise _Unreadable  # a cross-reference stream
    pos = xref + 4
    offsets: dict[int, int] = {}
    tokens = data[pos : data.index(b"trailer", pos)].split()
    i = 0
    while i < len(tokens):
        first, count = int(tokens[i]), int(tokens[i + 1])
        i += 2
        for n in range(count):
            where, _gen, kind = tokens[i : i + 3]
            if kind == b"n":
                offsets[first + n] = int(where)
            i += 3
    trailer = data[data.index(b"trailer", pos) : at]
    if b"/Prev" in trailer or b"/Encrypt" in trailer:
        raise _Unreadable
    root = re.search(rb"/Root (\d+) 0 R", trailer)
    info = re.search(rb"/Info (\d+) 0 R", trailer)
    if root is None:
        raise _Unreadable
    objs: dict[int, bytes] = {}
    for num, off in offsets.items():
        m = _OBJ.match(data, off)
        if m is None or int(m.group(1)) != num:
            raise _Unreadable
        start = m.end()
        head_end = data.find(b"stream", start)
        end_obj = data.find(b"endobj", start)
        if head_end < 0 or end_obj < head_end:  # no stream
            objs[num] = data[start:end_obj].rstrip()
            continue
        length = re.search(rb"/Length\s+(\d+)(?=\s*(?:/|>>))", data[start:head_end])
        if length is None:
            raise _Unreadable
        body = head_end + len(b"stream")
        body += 2 if data[body : body + 2] == b"\r\n" else 1
        stop = body + int(length.group(1))
        end = data.find(b"endstream", stop)
        if end < 0:
            raise _Unreadable
        objs[num] = data[start:head_end] + b"stream\n" + data[body:stop] + b"\nendstream"
    return objs, int(root.group(1)), int(info.group(1)) if info else None


def _renumber(numbers: dict[int, int], m: re.Match[bytes]) -> bytes:
    return b"%d 0 R" % numbers.get(int(m.group(1)), 0)


_INHERITED = re.compile(rb"(/MediaBox|/CropBox)\s*(\[[^\]]*\])|(/Rotate)\s+(-?\d+)")


def _inherited(tree: bytes) -> dict[bytes, bytes]:
    """What a page takes from its page tree when it does not say it (ISO 32000 7.7.3.4)."""
    found = {}
    for m in _INHERITED.finditer(tree):
        key = m.group(1) or m.group(3)
        found[key] = key + b" " + (m.group(2) or m.group(4)) + b" "
    if b"/Resources" in tree:
        ref = re.search(rb"/Resources\s+(\d+ 0 R)", tree)
        if ref is None:
            raise _Unreadable  # resources written out in the page tree itself
        found[b"/Resources"] = b"/Resources " + ref.group(1) + b" "
    return found


def _split(body: bytes) -> tuple[bytes, bytes]:
    """The dictionary part of an object (where references are) and its stream."""
    at = body.find(b"stream\n")
    return (body, b"") if at < 0 else (body[:at], body[at:])


def _ref(body: bytes, key: bytes) -> int:
    m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
    if m is None:
        raise _Unreadable
    return int(m.group(1))


def _text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def join_pdfs(parts: list[tuple[str, Path]], target: Path) -> bool:
    """Write ``parts`` (bookmark title, PDF) into ``target`` in order; False if one is unreadable.

    ``target`` is written only when every part could be read.
    """
    out_objs: list[bytes] = [b"", b"", b""]  # catalog, page tree, outline root
    kids: list[int] = []
    marks: list[tuple[str, int]] = []
    try:
        for title, path in parts:
            objs, root, info = _objects(Path(path).read_bytes())
            tree = _ref(objs[root], b"Pages")
            kid_list = re.search(rb"/Kids\s*\[([^\]]*)\]", objs[tree])
            if kid_list is None:
                raise _Unreadable
            own_kids = [int(k) for k in _REF.findall(kid_list.group(1))]
            if any(b"/Type /Pages" in objs[k] or b"/Type/Pages" in objs[k] for k in own_kids):
                raise _Unreadable  # a nested page tree
            skip = {root, tree} | ({info} if info is not None else set())
            base = len(out_objs)
            numbers = {n: base + i + 1 for i, n in enumerate(sorted(objs))}
            inherited = _inherited(_REF.sub(functools.partial(_renumber, numbers), objs[tree]))
            for n in sorted(objs):
                if n in skip:
                    out_objs.append(b"null")
                    continue
                head, rest = _split(objs[n])
                head = _REF.sub(functools.partial(_renumber, numbers), head)
                if n in own_kids:
                    head = re.sub(rb"/Parent\s+\d+ 0 R", b"/Parent 2 0 R", head)
                    extra = b"".join(v for k, v in inherited.items() if k not in head)
                    head = head.replace(b"<<", b"<<" + extra, 1)
                out_objs.append(head + rest)
            if own_kids:
                marks.append((title, numbers[own_kids[0]]))
            kids += [numbers[k] for k in own_kids]
    except (_Unreadable, ValueError, IndexError, KeyError, OSError):
        return False
    out_objs[0] = b"<</Type /Catalog /Pages 2 0 R /Outlines 3 0 R /PageMode /UseOutlines>>"
    out_objs[1] = b"<</Type /Pages /Kids [%s] /Count %d>>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    first = len(out_objs) + 1
    for i, (title, page) in enumerate(marks):
        links = b" /Prev %d 0 R" % (first + i - 1) if i else b""
        if i + 1 < len(marks):
            links += b" /Next %d 0 R" % (first + i + 1)
        out_objs.append(
            b"<</Title %s /Parent 3 0 R /Dest [%d 0 R /Fit]%s>>" % (_text(title), page, links)
        )
    out_objs[2] = (
        b"<</Type /Outlines /First %d 0 R /Last %d 0 R /Count %d>>"
        % (first, first + len(marks) - 1, len(marks))
        if marks
        else b"<</Type /Outlines /Count 0>>"
    )
    chunks = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    size = len(chunks[0])
    offsets = []
    for i, body in enumerate(out_objs, start=1):
        piece = b"%d 0 obj\n%s\nendobj\n" % (i, body)
        offsets.append(size)
        chunks.append(piece)
        size += len(piece)
    chunks.append(b"xref\n0 %d\n0000000000 65535 f \n" % (len(out_objs) + 1))
    chunks.append(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    chunks.append(
        b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(out_objs) + 1, size)
    )
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(b"".join(chunks))
    tmp.replace(target)
    return True
