"""File and folder names made from data (patch ids, township names), safe everywhere.

County offices open rsgeo's outputs on Windows: a folder named after a patch
id must not be a device name (``CON``, ``COM1``), end in a dot or a space, or
hold characters Windows refuses. Every output that names a file or folder
after data takes the name from :func:`safe_name`.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["safe_file_name", "safe_name"]

_UNSAFE = re.compile(r"[^\w.\-]", flags=re.UNICODE)

_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{d}{n}" for d in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
"""Device names Windows refuses as file or folder names, with any extension."""


def safe_name(patch_id: str) -> str:
    """A file or folder name for a patch id or a township that is safe on Windows and Linux.

    The id itself when it is already safe; otherwise unsafe characters become
    ``_`` and a short hash of the id is appended, so two ids never share a
    folder. Unsafe: characters other than letters, digits, ``_ . -``; a
    leading dot; a trailing dot or space; a Windows device name such as
    ``CON``, ``com1`` or ``LPT1.txt`` (with any extension, so the name gets a
    leading ``_``). Two names that differ only in case are the same folder on
    Windows: :func:`rsgeo.build_dossiers` gives the second one a hash too.

    >>> safe_name("450225-2020-001")
    '450225-2020-001'
    >>> safe_name("a/b")
    'a_b_...'
    >>> safe_name("CON"), safe_name("com1.txt"), safe_name("P1.")
    ('_CON_...', '_com1.txt_...', 'P1._...')
    """
    safe = _UNSAFE.sub("_", patch_id)[:80]
    device = safe.split(".")[0].upper() in _WINDOWS_RESERVED
    plain = safe not in {"", ".", ".."} and not safe.startswith(".")
    if safe == patch_id and plain and not device and not safe.endswith((".", " ")):
        return safe
    digest = hashlib.sha1(patch_id.encode("utf-8")).hexdigest()[:8]
    if device:  # "COM1.anything" is the device too: change the stem itself
        safe = f"_{safe}"
    return f"{safe.lstrip('.') or 'patch'}_{digest}"


def safe_file_name(name: str, *, fallback: str = "file") -> str:
    """A copied file's name made safe, its extension kept (no hash: it is shown as is).

    >>> safe_file_name("现场照片 1.png"), safe_file_name("nul.txt"), safe_file_name(".x.")
    ('现场照片_1.png', '_nul.txt', 'file.x')
    """
    safe = _UNSAFE.sub("_", name).rstrip(". ")
    if not safe or safe.startswith("."):
        safe = f"{fallback}{safe}"
    if safe.split(".")[0].upper() in _WINDOWS_RESERVED:
        safe = f"_{safe}"
    return safe
