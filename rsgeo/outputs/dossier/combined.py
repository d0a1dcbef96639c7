"""One PDF per township: all its dossiers in patch order, a bookmark per patch."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rsgeo.outputs.names import safe_file_name
from rsgeo.schema.labels import OUTSIDE_TOWNSHIPS_NAME

__all__ = ["COMBINED_PREFIX", "CombinedPdfs", "combined_name"]

COMBINED_PREFIX = "卷宗_"
"""The combined PDF of a township is ``卷宗_<乡镇名称>.pdf``."""


NAME_MAX_CHARS = 40
"""The most characters of a township's name in its file name (a file name holds at
most 255 bytes, 85 Chinese characters); a longer name is cut, a hash of it appended."""


def combined_name(township_name: str, township_code: str, taken: set[str]) -> str:
    """The file name of a township's combined PDF (its code added when two share a name).

    >>> combined_name("融水镇", "450225100", set())
    '卷宗_融水镇.pdf'
    >>> len(combined_name("镇" * 300, "450225100", set()).encode("utf-8")) < 255
    True
    """
    name = township_name if township_name not in ("", "—") else OUTSIDE_TOWNSHIPS_NAME
    if len(name) > NAME_MAX_CHARS:
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        name = f"{name[:NAME_MAX_CHARS]}_{digest}"
    file = safe_file_name(f"{COMBINED_PREFIX}{name}.pdf", fallback="卷宗.pdf")
    if file.casefold() in taken:
        file = safe_file_name(f"{COMBINED_PREFIX}{name}_{township_code}.pdf", fallback="卷宗.pdf")
    taken.add(file.casefold())
    return file


def _merge(parts: list[tuple[str, Path]], target: Path) -> None:
    from rsgeo.outputs.dossier.pdfmerge import join_pdfs

    if join_pdfs(parts, target):  # the parts' objects copied as they are
        return
    try:
        from pypdf import PdfWriter
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            'combined township PDFs need pypdf: pip install "rsgeo[dossier]"'
        ) from exc
    writer = PdfWriter()
    for patch_id, pdf in parts:
        start = len(writer.pages)
        writer.append(str(pdf), import_outline=False)
        writer.add_outline_item(title=patch_id, page_number=start)
    tmp = target.with_name(f".{target.name}.tmp")
    with tmp.open("wb") as fh:
        writer.write(fh)
    os.replace(tmp, target)


class CombinedPdfs:
    """Each township's combined PDF in ``out``, written as soon as its dossiers are done.

    ``records`` are the dossiers of the run (``patch_id``, ``township_code``,
    ``township_name``, ``pdf``, ``hash``); ``old`` maps the file names of the
    last run to the hash of their parts; ``pending`` are the patches whose
    dossiers are still being built. Call :meth:`done` as each of them is
    built (a township whose dossiers are all built is joined then, while the
    others are still being built), and :meth:`finish` at the end: a file
    whose parts did not change is kept, the files of townships no longer
    present are removed, and the new ``{file name: hash}`` is returned.
    """

    def __init__(
        self, records: list[dict[str, Any]], out: Path, old: Mapping[str, str], pending: Any = ()
    ) -> None:
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in records:
            if r["pdf"] is None:
                continue
            groups.setdefault((r["township_code"], r["township_name"]), []).append(r)
        waiting = set(pending)
        taken: set[str] = set()
        self._out, self._old = out, old
        self.written: dict[str, str] = {}
        self._todo: dict[str, tuple[list[tuple[str, Path]], set[str]]] = {}
        self._of_patch: dict[str, list[str]] = {}
        for (code, name), members in sorted(groups.items()):
            members = sorted(members, key=lambda r: r["patch_id"])
            file = combined_name(name, code, taken)
            digest = hashlib.sha256("|".join(r["hash"] for r in members).encode()).hexdigest()
            self.written[file] = digest
            if old.get(file) == digest and (out / file).is_file():
                continue
            left = {r["patch_id"] for r in members} & waiting
            self._todo[file] = ([(r["patch_id"], r["pdf"]) for r in members], left)
            for pid in left:
                self._of_patch.setdefault(pid, []).append(file)

    def done(self, patch_id: str) -> None:
        """The dossier of ``patch_id`` is built: join its township if it was the last."""
        for file in self._of_patch.pop(patch_id, []):
            parts, left = self._todo[file]
            left.discard(patch_id)
            if not left:
                _merge(parts, self._out / file)
                del self._todo[file]

    def finish(self) -> dict[str, str]:
        """Join the townships not joined yet, remove those gone; ``{file name: hash}``."""
        for file, (parts, _) in sorted(self._todo.items()):
            _merge(parts, self._out / file)
        self._todo.clear()
        for file in set(self._old) - set(self.written):
            stale = self._out / file
            if stale.name == file and stale.is_file() and not stale.is_symlink():
                stale.unlink()
        return dict(self.written)
