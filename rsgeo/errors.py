"""Exceptions raised by rsgeo.

Every error rsgeo raises on purpose derives from :class:`RsgeoError`, and also
from the builtin exception a caller would expect (``ValueError`` for bad input,
``OSError`` for files), so ``except ValueError`` keeps working in user code.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "CRSError",
    "CRSMismatchError",
    "DataFileError",
    "DuplicateIdError",
    "FieldError",
    "GeometryError",
    "InputError",
    "OutputExistsError",
    "ProfileError",
    "RegisterError",
    "RegisterVersionError",
    "RsgeoError",
    "format_problems",
]


def format_problems(header: str, problems: Iterable[str], *, limit: int = 50) -> str:
    """Join a header and a list of problems into one readable message.

    Examples
    --------
    >>> print(format_problems("2 problems:", ["a is missing", "b is empty"]))
    2 problems:
      - a is missing
      - b is empty
    """
    items = list(problems)
    lines = [header]
    lines += [f"  - {p}" for p in items[:limit]]
    if len(items) > limit:
        lines.append(f"  ... and {len(items) - limit} more")
    return "\n".join(lines)


class RsgeoError(Exception):
    """Root of every error raised by rsgeo."""


class InputError(RsgeoError, ValueError):
    """Input data or arguments that rsgeo cannot use as given."""


class FieldError(InputError, KeyError):
    """A field (column) is missing, ambiguous or mapped wrongly."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CRSError(InputError):
    """A coordinate reference system is missing, unreadable or unsuitable."""


class CRSMismatchError(CRSError):
    """Two layers that must be combined are in different CRSs."""


class GeometryError(InputError):
    """Geometry is invalid, empty or of the wrong type and was not repaired."""


class DuplicateIdError(InputError):
    """Patch ids are duplicated or missing."""


class ProfileError(InputError):
    """Determination values that fit no single vocabulary profile, or not the one set."""


class DataFileError(RsgeoError, OSError):
    """A file cannot be found, opened or read."""


class OutputExistsError(RsgeoError, FileExistsError):
    """An output exists already and overwriting was not asked for."""


class RegisterError(InputError):
    """A change to the patch register that it refuses: nothing was written."""


class RegisterVersionError(RegisterError):
    """A register written by a newer rsgeo (a schema version this one does not know)."""
