"""Choose an output format and write an alignment in it: the seam between the core types
and the exporter plug-ins.

Why a module of its own, below :mod:`align.export`: :meth:`align.types.Alignment.export`
and every command write through :func:`export`, which finds the exporter by name or by
the file's extension in :data:`align.plugins.FORMATS` and imports only that one. The
core types thus depend on the registry, not on the exporters (which depend on the core
types), and listing or choosing a format loads no exporter it does not use.

Example::

    >>> format_for_path("out.tmx"), format_for_path("notes.txt")
    ('tmx', None)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from align.errors import AlignError
from align.files import is_stdout
from align.plugins import FORMATS

if TYPE_CHECKING:
    from align.export.base import Exporter, ExportResult
    from align.settings import FilterSettings
    from align.types import Alignment

__all__ = ["export", "format_for_path", "formats", "get_exporter"]


def formats() -> tuple[str, ...]:
    """Names of the output formats, in registration order."""
    return FORMATS.names()


def get_exporter(fmt: str) -> Exporter:
    """The exporter for a format name (case-insensitive); AlignError listing valid names otherwise."""
    if fmt not in FORMATS:
        raise AlignError(f"unknown output format {fmt!r}; valid formats: {', '.join(FORMATS.names())}")
    return FORMATS.get(fmt)()


def format_for_path(path: str | os.PathLike[str] | None) -> str | None:
    """The format a file name asks for by its extension (``.tmx`` → ``"tmx"``), or None.

    ``.txt`` deliberately maps to nothing: it could be beads, Moses or TSV, and guessing
    wrong would silently produce the wrong file. Moses has no extension of its own (it
    writes ``OUT.src`` and ``OUT.tgt``).
    """
    if is_stdout(path):
        return None
    suffix = os.path.splitext(os.fspath(path))[1].lower()  # type: ignore[arg-type]
    if not suffix:
        return None
    for name, cls in FORMATS.items():
        if suffix in cls.extensions:
            return name
    return None


def export(
    alignment: Alignment,
    path: str | os.PathLike[str] | None = None,
    fmt: str | None = None,
    *,
    filters: FilterSettings | None = None,
    **options: Any,
) -> ExportResult:
    """Write ``alignment`` in format ``fmt`` to ``path`` (``None``/``"-"``: stdout), atomically.

    Without ``fmt`` the format comes from the extension of ``path``; if that says nothing,
    an AlignError asks for an explicit format. ``options`` go to the exporter (e.g.
    ``unmatched="include"`` for TMX); unknown ones are an error. ``filters``: the TM filters
    (:class:`~align.settings.FilterSettings`), applied to translation-memory formats only
    (:func:`align.export.filters.for_exporter`); what they removed is in the result's ``filtered``.
    """
    if fmt is None:
        fmt = format_for_path(path)
        if fmt is None:
            where = "standard output" if is_stdout(path) else repr(os.fspath(path))  # type: ignore[arg-type]
            raise AlignError(
                f"cannot tell the output format for {where}; give --format (one of: {', '.join(FORMATS.names())})"
            )
    exporter = get_exporter(fmt)
    if filters is None:
        return exporter.export(alignment, path, **options)
    import dataclasses

    from align.export.filters import for_exporter

    alignment, options, removed = for_exporter(exporter, alignment, filters, options)
    return dataclasses.replace(exporter.export(alignment, path, **options), filtered=removed)
